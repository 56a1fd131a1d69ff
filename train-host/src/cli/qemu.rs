//! `tinyscore qemu`: one's own model on the Cortex-M4F, checked against
//! the host. Builds firmware/qemu with the model embedded (its buffers sized
//! from it), runs it in QEMU and compares every line it prints with the
//! runtime on the host (crate::firmware::lines): the model line, and the
//! bits and data-unit values of every sample, guided sample, imputation and
//! denoising, and every anomaly verdict.

use super::{CliError, QemuArgs};
use crate::firmware::lines::{self, DataUnits, GUIDANCE, Run};
use crate::firmware::qemu::{Firmware, MACHINE, QemuError};
use crate::note;

impl From<QemuError> for CliError {
    fn from(e: QemuError) -> Self {
        CliError::Input(e.to_string())
    }
}

/// Runs the command.
pub fn run(args: &QemuArgs) -> Result<(), CliError> {
    let bytes = super::read(&args.model)?;
    let model = super::parse_model(&args.model, &bytes)?;
    let firmware = Firmware::locate(args.firmware.as_deref())?;
    firmware.check_tools()?;
    let run = Run {
        seed: args.seed,
        items: args.n,
        data_units: DataUnits::Decimal,
    };
    let want = lines::expected_output(&bytes, &run).map_err(|e| {
        CliError::Input(format!(
            "{}: the host runtime refuses it: {e}",
            args.model.display()
        ))
    })?;
    note!(
        "building {} for the Cortex-M4F with {} (seed {}, {} items per task)",
        firmware.dir().join("qemu").display(),
        args.model.display(),
        args.seed,
        args.n
    )?;
    let elf = firmware.build(&args.model, &run)?;
    note!("running it in QEMU ({MACHINE})")?;
    let boot = firmware.boot(&elf, args.timeout)?;
    if let Some(out) = &args.out {
        let mut text = boot.lines.join("\n");
        text.push('\n');
        super::write(out, text.as_bytes())?;
        note!("wrote the firmware's output to {}", out.display())?;
    }
    if boot.status != Some(0) {
        let status = boot
            .status
            .map_or("a signal".to_string(), |s| s.to_string());
        let said: Vec<&str> = [
            boot.lines.last().map_or("", String::as_str),
            boot.stderr.trim(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
        return Err(CliError::Input(format!(
            "the firmware exited with {status} (1: an error it printed, 124: the time-out of {} s): \
             {}",
            args.timeout,
            said.join("\n")
        )));
    }
    let got: Vec<&String> = boot
        .lines
        .iter()
        .filter(|l| !l.starts_with("cost "))
        .collect();
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        if *g != w {
            return Err(CliError::Input(format!(
                "line {}: the firmware printed\n  {g}\nthe host computes\n  {w}",
                k + 1
            )));
        }
    }
    if got.len() != want.len() {
        return Err(CliError::Input(format!(
            "the firmware printed {} lines, the host computes {}",
            got.len(),
            want.len()
        )));
    }
    note!(
        "all {} lines match the host bit for bit: sample i is row i of `tinyscore sample {} \
         --seed {} -n {}`{}",
        want.len(),
        args.model.display(),
        args.seed,
        args.n,
        if model.classes() > 0 {
            format!(
                ", guided i that of the same with --class (i mod {}) --guidance {GUIDANCE}",
                model.classes()
            )
        } else {
            String::new()
        }
    )?;
    Ok(())
}

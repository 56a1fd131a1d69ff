//! The firmware in QEMU with any model: builds firmware/qemu for the
//! Cortex-M4F (QEMU's `mps2-an386`) with the model embedded and its buffers
//! sized from it, boots it, and returns what it printed.
//!
//! The firmware tree is the project's `firmware/` directory; the tools are
//! `cargo` with the `thumbv7em-none-eabihf` target, `qemu-system-arm` and
//! `defmt-print`. A missing one is reported with the command that installs
//! it, before anything is built.

use super::lines::Run;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The Rust target of the Cortex-M4F firmware.
pub const TARGET: &str = "thumbv7em-none-eabihf";
/// Its QEMU machine.
pub const MACHINE: &str = "mps2-an386";

/// Why the firmware could not be built or run.
#[derive(Debug, thiserror::Error)]
pub enum QemuError {
    /// No firmware tree where it was looked for.
    #[error(
        "no firmware tree at {0} (it needs qemu/Cargo.toml): run from a tinyscore checkout, or \
         give its firmware/ directory with --firmware"
    )]
    NoFirmware(PathBuf),
    /// A tool is missing.
    #[error("`{tool}` is missing; install it with: {install}")]
    Missing {
        /// The program or target.
        tool: String,
        /// The command that installs it.
        install: String,
    },
    /// The model file cannot be found.
    #[error("{path}: {error}")]
    Model {
        /// The model file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// `cargo build` failed (its messages went to the terminal).
    #[error("the firmware did not build for {TARGET} (cargo's messages are above)")]
    Build,
    /// A program did not start.
    #[error("`{program}` does not run: {error}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        error: std::io::Error,
    },
}

/// The firmware tree, `DIR/qemu` being the QEMU firmware.
#[derive(Clone, Debug)]
pub struct Firmware {
    dir: PathBuf,
}

/// What a boot printed, and how it ended.
#[derive(Clone, Debug)]
pub struct Boot {
    /// QEMU's exit status, the firmware's: 0 after the tasks, 1 after an
    /// error from the application, other values after a panic or fault,
    /// 124 on the time-out.
    pub status: Option<i32>,
    /// The decoded `defmt` lines.
    pub lines: Vec<String>,
    /// What went to stderr (QEMU's and `defmt-print`'s messages, a panic's).
    pub stderr: String,
}

impl Firmware {
    /// The firmware tree `dir`, or by default `./firmware` if there is one,
    /// else the one of the checkout this program was built from.
    pub fn locate(dir: Option<&Path>) -> Result<Self, QemuError> {
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => {
                let here = PathBuf::from("firmware");
                if here.join("qemu/Cargo.toml").is_file() {
                    here
                } else {
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware")
                }
            }
        };
        if !dir.join("qemu/Cargo.toml").is_file() {
            return Err(QemuError::NoFirmware(dir));
        }
        let dir = dir.canonicalize().unwrap_or(dir);
        Ok(Firmware { dir })
    }

    /// The tree's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Fails with the install command of the first tool missing.
    pub fn check_tools(&self) -> Result<(), QemuError> {
        let missing = |tool: &str, install: &str| QemuError::Missing {
            tool: tool.to_string(),
            install: install.to_string(),
        };
        for (program, args, install) in [
            ("cargo", &["--version"][..], "https://rustup.rs"),
            (
                "qemu-system-arm",
                &["--version"],
                "apt-get install qemu-system-arm",
            ),
            (
                "defmt-print",
                &["--version"],
                "cargo install defmt-print --version 1.2.0 --locked",
            ),
        ] {
            if !self.runs(program, args) {
                return Err(missing(program, install));
            }
        }
        let targets = self
            .command("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .map_err(|error| QemuError::Spawn {
                program: "rustup".into(),
                error,
            })?;
        if !String::from_utf8_lossy(&targets.stdout)
            .lines()
            .any(|l| l.trim() == TARGET)
        {
            return Err(missing(
                &format!("rustup target {TARGET}"),
                &format!("rustup target add {TARGET}"),
            ));
        }
        Ok(())
    }

    /// Builds firmware/qemu for the Cortex-M4F with `model` embedded and
    /// the seed and items of `run`; returns the ELF. Cargo's messages go to
    /// stderr.
    pub fn build(&self, model: &Path, run: &Run) -> Result<PathBuf, QemuError> {
        let model = model.canonicalize().map_err(|error| QemuError::Model {
            path: model.to_path_buf(),
            error,
        })?;
        let status = self
            .command("cargo")
            .args([
                "build",
                "--release",
                "-p",
                "tinyscore-qemu",
                "--target",
                TARGET,
            ])
            .env("TINYSCORE_MODEL", &model)
            .env("TINYSCORE_SEED", run.seed.to_string())
            .env("TINYSCORE_SAMPLES", run.items.to_string())
            .stdout(Stdio::null())
            .status()
            .map_err(|error| QemuError::Spawn {
                program: "cargo".into(),
                error,
            })?;
        if !status.success() {
            return Err(QemuError::Build);
        }
        Ok(self
            .dir
            .join("target")
            .join(TARGET)
            .join("release/tinyscore-qemu"))
    }

    /// Boots `elf` on `mps2-an386` (firmware/qemu/run.sh), giving up after
    /// `timeout` seconds.
    pub fn boot(&self, elf: &Path, timeout: u32) -> Result<Boot, QemuError> {
        let runner = self.dir.join("qemu/run.sh");
        let out = self
            .command(&runner.to_string_lossy())
            .arg(MACHINE)
            .arg(elf)
            .env("QEMU_TIMEOUT", timeout.to_string())
            .output()
            .map_err(|error| QemuError::Spawn {
                program: runner.display().to_string(),
                error,
            })?;
        Ok(Boot {
            status: out.status.code(),
            lines: String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_owned)
                .collect(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// `program` in the firmware tree, without the variables that would
    /// override its toolchain file or its `.cargo/config.toml`.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.current_dir(&self.dir);
        for var in [
            "RUSTUP_TOOLCHAIN",
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
        ] {
            command.env_remove(var);
        }
        command
    }

    /// Whether `program args` runs and exits 0.
    fn runs(&self, program: &str, args: &[&str]) -> bool {
        self.command(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    }
}

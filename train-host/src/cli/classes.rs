//! `--class`: a class of a class-conditional model, by the name it was
//! trained with or by number, checked against what the model holds.

use super::CliError;
use tinyscore::format::Model;

/// The class number `class` names in `model`, or an error listing the
/// valid classes.
pub fn resolve(model: &Model<'_>, class: &str) -> Result<u32, CliError> {
    let count = model.classes();
    if count == 0 {
        return Err(CliError::Input(format!(
            "--class {class}: the model is not class-conditional (train with --labels)"
        )));
    }
    let names = model.class_names();
    if let Some(k) = names.and_then(|n| n.position(class)) {
        return Ok(k as u32);
    }
    match class.trim().parse::<u32>() {
        Ok(k) if k < count => Ok(k),
        _ => Err(CliError::Input(format!(
            "--class {class}: the model has classes {}",
            list(model)
        ))),
    }
}

/// The model's classes for a message: `0 to 2 (0 idle, 1 walk, 2 run)`.
pub fn list(model: &Model<'_>) -> String {
    let count = model.classes();
    let range = format!("0 to {}", count.saturating_sub(1));
    match model.class_names() {
        Some(names) => {
            let named: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            format!("{range} ({})", named.join(", "))
        }
        None => range,
    }
}

/// The name of class `k` of `model` (its number without stored names).
pub fn name(model: &Model<'_>, k: u32) -> String {
    model
        .class_names()
        .and_then(|n| n.get(k as usize))
        .map_or_else(|| k.to_string(), str::to_string)
}

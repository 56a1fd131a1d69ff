//! The model file's limits (docs/FORMAT.md, "Limits") applied to a training
//! run as soon as its data is read.
//!
//! A run the format cannot hold used to train to the end and fail only at
//! `export` ("topology section: value at byte 0 is zero or over its
//! limit"), after hours of work and, for 5 000 columns, gigabytes of
//! memory. Checking here, before the first step, names the setting and
//! its valid range instead.

use crate::mlp::Mlp;
use crate::train::{TrainConfig, TrainError};
use tinyscore::format::{MAX_DIM, MAX_LAYERS, MAX_WIDTH};

/// Checks a run of `config` on data of `x_dim` dimensions against the
/// format's limits: data dimension, the exported first layer's input (data
/// and time embedding; class inputs are folded into bias rows), hidden
/// width and layer count. (Labels are checked against the class limit as
/// they are read, `data::labels`.)
pub fn check(config: &TrainConfig, x_dim: usize) -> Result<(), TrainError> {
    let refuse = |what: String| Err(TrainError::Config(format!("{what} (docs/FORMAT.md)")));
    if x_dim > MAX_DIM as usize {
        return refuse(format!(
            "the data has {x_dim} dimensions; a model file holds 1 to {MAX_DIM}"
        ));
    }
    let input = x_dim.saturating_add(config.emb_dim);
    if input > MAX_WIDTH as usize {
        return refuse(format!(
            "the data's {x_dim} dimensions and the {}-wide time embedding make a \
             first layer {input} wide; a model file holds layers 1 to {MAX_WIDTH} wide",
            config.emb_dim
        ));
    }
    if config.width > MAX_WIDTH as usize {
        return refuse(format!(
            "--width {}: a model file holds layers 1 to {MAX_WIDTH} wide",
            config.width
        ));
    }
    let max_depth = 1 + (MAX_LAYERS as usize - 3) / 4;
    if Mlp::residual_layer_count(config.depth) > MAX_LAYERS as usize {
        return refuse(format!(
            "--depth {}: a model file holds {MAX_LAYERS} layers, a depth of 1 to {max_depth}",
            config.depth
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_is_refused_just_past_it_and_accepted_at_it() {
        let base = TrainConfig::default();
        let e = base.emb_dim;
        let ok = |c: &TrainConfig, x: usize| check(c, x).is_ok();
        assert!(ok(&base, MAX_WIDTH as usize - e));
        assert!(!ok(&base, MAX_WIDTH as usize - e + 1));
        let no_embedding = TrainConfig {
            emb_dim: 0,
            ..base.clone()
        };
        assert!(ok(&no_embedding, MAX_DIM as usize));
        assert!(!ok(&no_embedding, MAX_DIM as usize + 1));
        let wide = |width| TrainConfig {
            width,
            ..base.clone()
        };
        assert!(ok(&wide(MAX_WIDTH as usize), 2));
        assert!(!ok(&wide(MAX_WIDTH as usize + 1), 2));
        // 3 + 4·15 = 63 layers fit in 64; 3 + 4·16 = 67 do not.
        let deep = |depth| TrainConfig {
            depth,
            ..base.clone()
        };
        assert!(ok(&deep(16), 2));
        assert!(!ok(&deep(17), 2));
    }
}

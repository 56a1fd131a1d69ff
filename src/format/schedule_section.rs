//! Encoding of a [`Schedule`] and its training metadata.

use super::cursor::Cursor;
use super::{FormatError, SectionKind};
use crate::schedule::{BetaSchedule, DiscreteSchedule, ExplicitBetas, Schedule, Sde};

#[cfg_attr(not(feature = "std"), allow(dead_code))] // used by the writer
/// Schedule kind, beta kind, steps, flags, and the three parameters, in
/// the order FORMAT.md lists them.
pub(super) struct Fields {
    pub kind: u32,
    pub beta_kind: u32,
    pub train_steps: u32,
    pub flags: u32,
    pub params: [f64; 4],
}

#[cfg_attr(not(feature = "std"), allow(dead_code))] // used by the writer
pub(super) fn fields(s: &Schedule<'_>) -> Fields {
    match *s {
        Schedule::Discrete(d) => {
            let (beta_kind, p0, p1) = match d.betas {
                BetaSchedule::Linear { start, end } => (1, start, end),
                BetaSchedule::ScaledLinear { start, end } => (2, start, end),
                BetaSchedule::SquaredCosCapV2 => (3, 0.0, 0.0),
                BetaSchedule::Sigmoid { start, end } => (4, start, end),
                BetaSchedule::Explicit(_) => (5, 0.0, 0.0),
            };
            Fields {
                kind: 1,
                beta_kind,
                train_steps: d.train_steps,
                flags: u32::from(d.zero_terminal_snr),
                params: [p0, p1, 0.0, 0.0],
            }
        }
        Schedule::Sde(sde) => {
            let (kind, params) = match sde {
                Sde::Vp { beta_min, beta_max } => (2, [beta_min, beta_max, 0.0, 0.0]),
                Sde::SubVp { beta_min, beta_max } => (3, [beta_min, beta_max, 0.0, 0.0]),
                Sde::Ve {
                    sigma_min,
                    sigma_max,
                } => (4, [sigma_min, sigma_max, 0.0, 0.0]),
                Sde::OrnsteinUhlenbeck { beta, sigma, t_end } => (5, [beta, sigma, t_end, 0.0]),
                Sde::Edm {
                    sigma_min,
                    sigma_max,
                    rho,
                } => (6, [sigma_min, sigma_max, rho, 0.0]),
            };
            Fields {
                kind,
                beta_kind: 0,
                train_steps: 0,
                flags: 0,
                params,
            }
        }
    }
}

pub(super) fn parse(bytes: &[u8]) -> Result<Schedule<'_>, FormatError> {
    let mut c = Cursor::new(bytes, SectionKind::Schedule);
    let kind_at = c.offset();
    let kind = c.u32()?;
    let beta_at = c.offset();
    let beta_kind = c.u32()?;
    let train_steps = c.u32()?;
    let flags_at = c.offset();
    let flags = c.u32()?;
    let p = [c.f64()?, c.f64()?, c.f64()?, c.f64()?];
    if let Some(i) = p.iter().position(|v| !v.is_finite()) {
        return Err(FormatError::NonFinite {
            section: SectionKind::Schedule,
            index: u32::try_from(i).unwrap_or(u32::MAX),
        });
    }
    let discrete_only = |c: &Cursor<'_>| {
        if beta_kind != 0 || train_steps != 0 || flags != 0 || p[3] != 0.0 {
            Err(FormatError::Reserved { offset: c.offset() })
        } else {
            Ok(())
        }
    };
    let schedule = match kind {
        1 => {
            if flags & !1 != 0 || p[2] != 0.0 || p[3] != 0.0 {
                return Err(FormatError::Reserved { offset: flags_at });
            }
            let (start, end) = (p[0], p[1]);
            // Schedules without parameters store zeros, so every schedule
            // has exactly one encoding.
            if matches!(beta_kind, 3 | 5) && (start != 0.0 || end != 0.0) {
                return Err(FormatError::Reserved { offset: 16 });
            }
            let betas = match beta_kind {
                1 => BetaSchedule::Linear { start, end },
                2 => BetaSchedule::ScaledLinear { start, end },
                3 => BetaSchedule::SquaredCosCapV2,
                4 => BetaSchedule::Sigmoid { start, end },
                5 => {
                    let n = (train_steps as usize).checked_mul(8);
                    let table = n.map(|n| c.take(n)).transpose()?;
                    let table = table
                        .and_then(ExplicitBetas::from_le_bytes)
                        .ok_or(FormatError::SectionLength(SectionKind::Schedule))?;
                    BetaSchedule::Explicit(table)
                }
                _ => return Err(c.bad_code(beta_at)),
            };
            Schedule::Discrete(DiscreteSchedule {
                betas,
                train_steps,
                zero_terminal_snr: flags & 1 != 0,
            })
        }
        2..=4 => {
            discrete_only(&c)?;
            if p[2] != 0.0 {
                return Err(FormatError::Reserved { offset: 32 });
            }
            Schedule::Sde(match kind {
                2 => Sde::Vp {
                    beta_min: p[0],
                    beta_max: p[1],
                },
                3 => Sde::SubVp {
                    beta_min: p[0],
                    beta_max: p[1],
                },
                _ => Sde::Ve {
                    sigma_min: p[0],
                    sigma_max: p[1],
                },
            })
        }
        5 => {
            discrete_only(&c)?;
            Schedule::Sde(Sde::OrnsteinUhlenbeck {
                beta: p[0],
                sigma: p[1],
                t_end: p[2],
            })
        }
        6 => {
            discrete_only(&c)?;
            Schedule::Sde(Sde::Edm {
                sigma_min: p[0],
                sigma_max: p[1],
                rho: p[2],
            })
        }
        _ => return Err(c.bad_code(kind_at)),
    };
    c.finish()?;
    schedule.validate().map_err(FormatError::Schedule)?;
    Ok(schedule)
}

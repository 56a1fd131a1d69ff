//! [`Model`]: a whole validated file and the views into it.

use super::container::{Section, SectionEntry, read_sections};
use super::cursor::F32s;
use super::{
    EmbeddedPlan, FormatError, MAX_PLANS, MAX_SECTIONS, Normalization, SectionKind, TimeBias,
    TimeConditioning, Topology, normalization, plan_section, schedule_section, time_bias, topology,
};
use crate::net::{Denoiser, Network};
use crate::plan::Plan;
use crate::schedule::Schedule;

/// A parsed model file. Cheap to copy: it only holds views into the bytes.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Model<'a> {
    version_minor: u16,
    topology: Topology<'a>,
    weights: F32s<'a>,
    normalization: Normalization<'a>,
    schedule: Schedule<'a>,
    plans: heapless::Vec<EmbeddedPlan<'a>, MAX_PLANS>,
    time_bias: heapless::Vec<TimeBias<'a>, MAX_PLANS>,
    table: heapless::Vec<SectionEntry, MAX_SECTIONS>,
}

fn exactly_one<'a>(sections: &[Section<'a>], kind: SectionKind) -> Result<&'a [u8], FormatError> {
    let mut found = sections.iter().filter(|s| s.entry.kind == Some(kind));
    let first = found.next().ok_or(FormatError::MissingSection(kind))?;
    if found.next().is_some() {
        return Err(FormatError::DuplicateSection(kind));
    }
    Ok(first.bytes)
}

impl<'a> Model<'a> {
    /// Validates a whole model file; see docs/FORMAT.md for every rule.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FormatError> {
        let sections = read_sections(bytes)?;
        let version_minor = bytes
            .get(10..12)
            .and_then(|b| b.first_chunk::<2>())
            .map_or(0, |b| u16::from_le_bytes(*b));
        let topology = topology::parse(exactly_one(&sections, SectionKind::Topology)?)?;
        let normalization = normalization::parse(
            exactly_one(&sections, SectionKind::Normalization)?,
            topology.x_dim(),
        )?;
        let schedule = schedule_section::parse(exactly_one(&sections, SectionKind::Schedule)?)?;

        let weight_bytes = exactly_one(&sections, SectionKind::WeightsF32)?;
        // Checked: on 32-bit targets 4 × (a u32 count) can wrap a usize.
        let expected = (topology.parameter_count() as usize).checked_mul(4);
        if expected != Some(weight_bytes.len()) {
            return Err(FormatError::SectionLength(SectionKind::WeightsF32));
        }
        let weights = F32s::new(weight_bytes);
        if let Some(i) = weights.first_non_finite() {
            return Err(FormatError::NonFinite {
                section: SectionKind::WeightsF32,
                index: u32::try_from(i).unwrap_or(u32::MAX),
            });
        }

        let mut plans = heapless::Vec::new();
        for s in sections
            .iter()
            .filter(|s| s.entry.kind == Some(SectionKind::Plan))
        {
            let plan = plan_section::parse(s.bytes, topology.prediction())?;
            plans.push(plan).map_err(|_| FormatError::Limit {
                section: SectionKind::Plan,
                offset: 0,
            })?;
        }

        let time_bias = Self::time_bias_tables(&sections, &topology, &plans)?;
        let table = sections.iter().map(|s| s.entry).collect();
        Ok(Model {
            version_minor,
            topology,
            weights,
            normalization,
            schedule,
            plans,
            time_bias,
            table,
        })
    }

    /// Time-bias tables, ordered by plan: one per plan for a bias-table
    /// model, none otherwise.
    fn time_bias_tables(
        sections: &[Section<'a>],
        topology: &Topology<'a>,
        plans: &[EmbeddedPlan<'a>],
    ) -> Result<heapless::Vec<TimeBias<'a>, MAX_PLANS>, FormatError> {
        let mismatch = FormatError::Mismatch {
            section: SectionKind::TimeBias,
        };
        let mut tables: heapless::Vec<TimeBias<'a>, MAX_PLANS> = heapless::Vec::new();
        for s in sections
            .iter()
            .filter(|s| s.entry.kind == Some(SectionKind::TimeBias))
        {
            let table = time_bias::parse(s.bytes)?;
            // Tables come in plan order: table k belongs to plan k.
            let plan = plans.get(tables.len()).ok_or(mismatch)?;
            let fits = table.plan() as usize == tables.len()
                && table.width() == topology.first_dense_output()
                && table.rows() == plan.header().rows as usize;
            if !fits {
                return Err(mismatch);
            }
            tables.push(table).map_err(|_| mismatch)?;
        }
        let wanted = match topology.time() {
            TimeConditioning::BiasTable => plans.len(),
            TimeConditioning::Sinusoidal { .. } => 0,
        };
        if tables.len() != wanted {
            return Err(mismatch);
        }
        Ok(tables)
    }

    /// The section table, including sections this version skips.
    pub fn sections(&self) -> &[SectionEntry] {
        &self.table
    }

    /// Minor version of the file.
    pub fn version_minor(&self) -> u16 {
        self.version_minor
    }

    /// The network's layers and time conditioning.
    pub fn topology(&self) -> Topology<'a> {
        self.topology
    }

    /// The f32 network.
    pub fn network(&self) -> Network<'a> {
        Network::new(self.topology, self.weights)
    }

    /// Data normalisation.
    pub fn normalization(&self) -> Normalization<'a> {
        self.normalization
    }

    /// The training noise schedule.
    pub fn schedule(&self) -> Schedule<'a> {
        self.schedule
    }

    /// The embedded plans.
    pub fn plans(&self) -> &[EmbeddedPlan<'a>] {
        &self.plans
    }

    /// Embedded plan `i`.
    pub fn plan(&self, i: usize) -> Option<EmbeddedPlan<'a>> {
        self.plans.get(i).copied()
    }

    /// The folded time-bias rows of embedded plan `i` (bias-table models only).
    pub fn time_bias(&self, i: usize) -> Option<TimeBias<'a>> {
        self.time_bias.get(i).copied()
    }

    /// Bytes of the f32 weights.
    pub fn weight_bytes(&self) -> usize {
        self.weights.len() * 4
    }

    /// `f32` elements of scratch a [`crate::sampler::Sampler`] over this model
    /// needs: the network's activation buffers, the x̂₀ register and the
    /// multistep register `h`.
    pub fn scratch_len(&self) -> usize {
        self.network().scratch_len() + crate::sampler::register_len(self.topology.x_dim() as usize)
    }
}

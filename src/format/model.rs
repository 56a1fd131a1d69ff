//! [`Model`]: a whole validated file and the views into it.

use super::container::{SectionEntry, SectionTable, read_sections};
use super::{
    AnomalyDetector, ClassBias, ClassRows, DataRange, FixedPlan, FixedWeights, FormatError,
    HeldGuidance, MAX_PLANS, Names, Normalization, PlanOutline, SectionKind, TimeConditioning,
    TimeEmbedding, Topology, anomaly_section, class_bias, data_range, fixed_plan, fixed_weights,
    held_guidance, names_section, normalization, plan_section, time_embedding, topology,
};
#[cfg(feature = "float")]
use super::{
    EmbeddedPlan, FloatKind, FloatWeights, TimeBias, float_weights, schedule_section, time_bias,
};
use crate::fixed::FixedNetwork;
#[cfg(feature = "float")]
use crate::fixed::{Coefficient, level_rule::LevelRule};
#[cfg(feature = "float")]
use crate::net::{Denoiser, Network};
#[cfg(feature = "float")]
use crate::plan::{Plan, SamplerKind};
#[cfg(feature = "float")]
use crate::schedule::Schedule;

/// The numeric backend a model file's weights are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Backend {
    /// f32 weights, f32 arithmetic.
    F32,
    /// f16 weights, f32 arithmetic.
    F16,
    /// int8 weights, integer arithmetic throughout.
    Fixed,
}

/// The weights, in whichever backend the file holds.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Weights<'a> {
    #[cfg(feature = "float")]
    Float(FloatWeights<'a>),
    Fixed(FixedWeights<'a>),
}

/// A parsed model file. Cheap to copy: it only holds views into the bytes.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Model<'a> {
    version_minor: u16,
    topology: Topology<'a>,
    weights: Weights<'a>,
    normalization: Normalization<'a>,
    #[cfg(feature = "float")]
    schedule: Schedule<'a>,
    anomaly: Option<AnomalyDetector<'a>>,
    class_bias: Option<ClassBias<'a>>,
    sections: SectionTable<'a>,
}

/// The body of the file's section of `kind`, if it has one; a second one
/// is an error.
fn at_most_one<'a>(
    sections: SectionTable<'a>,
    kind: SectionKind,
) -> Result<Option<&'a [u8]>, FormatError> {
    let mut found = sections.bodies(kind);
    let first = found.next();
    if found.next().is_some() {
        return Err(FormatError::DuplicateSection(kind));
    }
    Ok(first)
}

/// The body of the file's one section of `kind`.
fn exactly_one<'a>(sections: SectionTable<'a>, kind: SectionKind) -> Result<&'a [u8], FormatError> {
    at_most_one(sections, kind)?.ok_or(FormatError::MissingSection(kind))
}

impl<'a> Model<'a> {
    /// Validates a whole model file; see docs/FORMAT.md for every rule.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FormatError> {
        let sections = read_sections(bytes)?;
        let version_minor = bytes
            .get(10..12)
            .and_then(|b| b.first_chunk::<2>())
            .map_or(0, |b| u16::from_le_bytes(*b));
        let topology = topology::parse(exactly_one(sections, SectionKind::Topology)?)?;
        let normalization = normalization::parse(
            exactly_one(sections, SectionKind::Normalization)?,
            topology.x_dim(),
        )?;
        // Without `float` nothing reads the schedule or a plan's real
        // values: that build checks the schedule section's framing and each
        // plan's outline only (docs/FORMAT.md, "Runtimes without float").
        let schedule = exactly_one(sections, SectionKind::Schedule)?;
        #[cfg(feature = "float")]
        let schedule = schedule_section::parse(schedule)?;
        #[cfg(not(feature = "float"))]
        let _ = schedule;

        let mut weights = Self::weights(sections, topology)?;
        let mut plans: heapless::Vec<PlanOutline, MAX_PLANS> = heapless::Vec::new();
        #[cfg(feature = "float")]
        let mut etas: heapless::Vec<f64, MAX_PLANS> = heapless::Vec::new();
        for body in sections.bodies(SectionKind::Plan) {
            #[cfg(feature = "float")]
            {
                let plan = plan_section::parse(body, topology.prediction(), schedule)?;
                let eta = match plan.header().spec.sampler {
                    SamplerKind::Ddim { eta } => eta,
                    _ => 0.0,
                };
                // At most MAX_PLANS: the outline's push below refuses more.
                let _ = etas.push(eta);
            }
            let plan = plan_section::outline(body)?;
            plans.push(plan).map_err(|_| FormatError::Limit {
                section: SectionKind::Plan,
                offset: 0,
            })?;
        }

        let fixed = matches!(weights, Weights::Fixed(_));
        if !fixed && plans.iter().any(|p| !p.stores_rows) {
            // The float samplers run stored rows.
            return Err(FormatError::Mismatch {
                section: SectionKind::Plan,
            });
        }
        Self::check_time_bias_tables(sections, &topology, &plans, fixed)?;
        let embedding = Self::checked_time_embedding(sections, &topology, fixed)?;
        let fixed_plans = Self::fixed_plans(sections, &topology, &plans, embedding.is_some())?;
        #[cfg(feature = "float")]
        for (fixed_plan, eta) in fixed_plans.iter().zip(&etas) {
            // A level rule's η is the plan's, packed (a check of the plan's
            // real parameter, which a build without float does not read).
            if let Some(LevelRule::Ddim { eta: stored }) = fixed_plan.level_rule()
                && Coefficient::packable(*eta) != Some(stored)
            {
                return Err(FormatError::Mismatch {
                    section: SectionKind::Plan,
                });
            }
        }
        let class_bias = Self::class_bias_rows(sections, &topology, fixed)?;
        #[cfg_attr(not(feature = "float"), allow(irrefutable_let_patterns))] // fixed point only
        if let Weights::Fixed(w) = &mut weights {
            w.plan_accumulators(|o| {
                let time = fixed_plans.iter().map(|p| p.max_bias(o)).max();
                let class = class_bias.map_or(0, |c| c.max_i32(o));
                time.unwrap_or(0) + class
            });
        }
        let anomaly = Self::anomaly_detector(sections, &plans)?;
        if let Some(body) = at_most_one(sections, SectionKind::DataRange)? {
            data_range::parse(body, topology.x_dim())?;
        }
        for (kind, count) in [
            (SectionKind::ColumnNames, topology.x_dim()),
            (
                SectionKind::ClassNames,
                class_bias.map_or(0, |c| c.classes()),
            ),
        ] {
            if let Some(body) = at_most_one(sections, kind)? {
                names_section::parse(body, kind, count)?;
            }
        }
        if let Some(body) = at_most_one(sections, SectionKind::HeldGuidance)? {
            held_guidance::parse(body, class_bias.map_or(0, |c| c.classes()))?;
        }
        // The plans, their integer forms, the time-bias tables, the time
        // embedding, the data range, the names and the held guidance are
        // checked above and read again from the
        // file when asked for: a model held for a firmware's lifetime keeps
        // no copy of their views.
        Ok(Model {
            version_minor,
            topology,
            weights,
            normalization,
            #[cfg(feature = "float")]
            schedule,
            anomaly,
            class_bias,
            sections,
        })
    }

    /// The integer time embedding: required by a fixed-point model with a
    /// sinusoidal embedding (its plans' rows carry their time), of the
    /// embedding's width; refused anywhere else.
    fn checked_time_embedding(
        sections: SectionTable<'a>,
        topology: &Topology<'a>,
        fixed: bool,
    ) -> Result<Option<TimeEmbedding<'a>>, FormatError> {
        let body = at_most_one(sections, SectionKind::TimeEmbedding)?;
        let embedded = fixed && topology.time() != TimeConditioning::BiasTable;
        let mismatch = FormatError::Mismatch {
            section: SectionKind::TimeEmbedding,
        };
        match (body, embedded) {
            (None, false) => Ok(None),
            (Some(body), true) => {
                let embedding = time_embedding::parse(body)?;
                if embedding.dim() != topology.time().input_width() {
                    return Err(mismatch);
                }
                Ok(Some(embedding))
            }
            (None, true) => Err(FormatError::MissingSection(SectionKind::TimeEmbedding)),
            (Some(_), false) => Err(mismatch),
        }
    }

    /// The class-bias rows of a class-conditional model (at most one
    /// section), in the element type of the backend.
    fn class_bias_rows(
        sections: SectionTable<'a>,
        topology: &Topology<'a>,
        fixed: bool,
    ) -> Result<Option<ClassBias<'a>>, FormatError> {
        let Some(body) = at_most_one(sections, SectionKind::ClassBias)? else {
            return Ok(None);
        };
        let table = class_bias::parse(body)?;
        let element_fits = matches!(
            (table.rows(), fixed),
            (ClassRows::F32(_), false) | (ClassRows::I32(_), true)
        );
        if !element_fits || table.width() != topology.first_dense_output() {
            return Err(FormatError::Mismatch {
                section: SectionKind::ClassBias,
            });
        }
        Ok(Some(table))
    }

    /// The anomaly detector, if the file has one (at most one).
    fn anomaly_detector(
        sections: SectionTable<'a>,
        plans: &[PlanOutline],
    ) -> Result<Option<AnomalyDetector<'a>>, FormatError> {
        let outline = |i: u32| plans.get(i as usize).copied();
        let plain = at_most_one(sections, SectionKind::Anomaly)?;
        let weighted = at_most_one(sections, SectionKind::WeightedAnomaly)?;
        match (plain, weighted) {
            (None, None) => Ok(None),
            (Some(body), None) => {
                anomaly_section::parse(body, SectionKind::Anomaly, outline).map(Some)
            }
            (None, Some(body)) => {
                anomaly_section::parse(body, SectionKind::WeightedAnomaly, outline).map(Some)
            }
            (Some(_), Some(_)) => Err(FormatError::DuplicateSection(SectionKind::WeightedAnomaly)),
        }
    }

    /// The one weights section, whichever backend it is for.
    fn weights(
        sections: SectionTable<'a>,
        topology: Topology<'a>,
    ) -> Result<Weights<'a>, FormatError> {
        let mut found = sections.iter().filter(|s| {
            matches!(
                s.entry.kind,
                Some(SectionKind::WeightsF32 | SectionKind::WeightsF16 | SectionKind::WeightsFixed)
            )
        });
        let first = found
            .next()
            .ok_or(FormatError::MissingSection(SectionKind::WeightsF32))?;
        let kind = first.entry.kind.unwrap_or(SectionKind::WeightsF32);
        if let Some(second) = found.next() {
            return Err(FormatError::DuplicateSection(
                second.entry.kind.unwrap_or(SectionKind::WeightsF32),
            ));
        }
        Ok(match kind {
            SectionKind::WeightsFixed => {
                Weights::Fixed(fixed_weights::parse(first.bytes, topology)?)
            }
            #[cfg(feature = "float")]
            SectionKind::WeightsF16 => {
                Weights::Float(float_weights::parse(first.bytes, FloatKind::F16, topology)?)
            }
            #[cfg(feature = "float")]
            _ => Weights::Float(float_weights::parse(first.bytes, FloatKind::F32, topology)?),
            #[cfg(not(feature = "float"))]
            _ => return Err(FormatError::FloatNotBuilt { section: kind }),
        })
    }

    /// Integer plans, ordered by plan: one per plan for a fixed-point
    /// model, none otherwise; their rows carry their time when the model
    /// has a time embedding, time-bias rows of the first dense layer's
    /// width when not.
    fn fixed_plans(
        sections: SectionTable<'a>,
        topology: &Topology<'a>,
        plans: &[PlanOutline],
        embedded: bool,
    ) -> Result<heapless::Vec<FixedPlan<'a>, MAX_PLANS>, FormatError> {
        let fixed = sections.bodies(SectionKind::WeightsFixed).next().is_some();
        let width = if embedded {
            0
        } else {
            topology.first_dense_output()
        };
        let mismatch = FormatError::Mismatch {
            section: SectionKind::FixedPlan,
        };
        let mut out: heapless::Vec<FixedPlan<'a>, MAX_PLANS> = heapless::Vec::new();
        for body in sections.bodies(SectionKind::FixedPlan) {
            let fixed_plan = fixed_plan::parse(body, topology.prediction())?;
            let plan = plans.get(out.len()).ok_or(mismatch)?;
            // Level rows follow their plan's sampler, whose states have levels.
            let rule_fits = fixed_plan.level_rule().is_none_or(|rule| {
                plan.levels && plan.level_rule == Some(fixed_plan::rule_code(rule))
            });
            let fits = fixed_plan.plan() as usize == out.len()
                && fixed_plan.width() == width
                && fixed_plan.time_input() == embedded
                && fixed_plan.rows() == plan.rows
                && fixed_plan.clip().is_some() == plan.clips
                && rule_fits;
            if !fits {
                return Err(mismatch);
            }
            out.push(fixed_plan).map_err(|_| mismatch)?;
        }
        if out.len() != if fixed { plans.len() } else { 0 } {
            return Err(mismatch);
        }
        Ok(out)
    }

    /// Without the float backends there are no time-bias tables: a
    /// fixed-point model keeps its time-bias rows in its integer plans.
    #[cfg(not(feature = "float"))]
    fn check_time_bias_tables(
        sections: SectionTable<'a>,
        _: &Topology<'a>,
        _: &[PlanOutline],
        _: bool,
    ) -> Result<(), FormatError> {
        if sections.bodies(SectionKind::TimeBias).next().is_some() {
            return Err(FormatError::Mismatch {
                section: SectionKind::TimeBias,
            });
        }
        Ok(())
    }

    /// Time-bias tables, ordered by plan: one per plan for a float
    /// bias-table model, none otherwise.
    #[cfg(feature = "float")]
    fn check_time_bias_tables(
        sections: SectionTable<'a>,
        topology: &Topology<'a>,
        plans: &[PlanOutline],
        fixed: bool,
    ) -> Result<(), FormatError> {
        let mismatch = FormatError::Mismatch {
            section: SectionKind::TimeBias,
        };
        let mut count = 0;
        for body in sections.bodies(SectionKind::TimeBias) {
            let table = time_bias::parse(body)?;
            // Tables come in plan order: table k belongs to plan k.
            let plan = plans.get(count).ok_or(mismatch)?;
            let fits = table.plan() as usize == count
                && table.width() == topology.first_dense_output()
                && table.rows() == plan.rows as usize;
            if !fits {
                return Err(mismatch);
            }
            count += 1;
        }
        // Fixed-point models keep their time-bias rows in the integer plans.
        let wanted = match topology.time() {
            TimeConditioning::BiasTable if !fixed => plans.len(),
            _ => 0,
        };
        if count != wanted {
            return Err(mismatch);
        }
        Ok(())
    }

    /// The section table, including sections this version skips.
    pub fn sections(&self) -> impl Iterator<Item = SectionEntry> + use<'a> {
        self.sections.entries()
    }

    /// Minor version of the file.
    pub fn version_minor(&self) -> u16 {
        self.version_minor
    }

    /// The network's layers and time conditioning.
    pub fn topology(&self) -> Topology<'a> {
        self.topology
    }

    /// The backend the weights are for.
    pub fn backend(&self) -> Backend {
        match self.weights {
            #[cfg(feature = "float")]
            Weights::Float(w) => match w.kind() {
                FloatKind::F32 => Backend::F32,
                FloatKind::F16 => Backend::F16,
            },
            Weights::Fixed(_) => Backend::Fixed,
        }
    }

    /// The network of an f32 or f16 model (`None` for fixed-point); a
    /// class-conditional one is unconditional until
    /// [`Network::with_class`] picks a class.
    #[cfg(feature = "float")]
    pub fn network(&self) -> Option<Network<'a>> {
        match self.weights {
            Weights::Float(w) => Some(Network::new(self.topology, w, self.class_bias)),
            Weights::Fixed(_) => None,
        }
    }

    /// The network of a fixed-point model (`None` for the float backends); a
    /// class-conditional one is unconditional until
    /// [`FixedNetwork::with_class`] picks a class.
    pub fn fixed_network(&self) -> Option<FixedNetwork<'a>> {
        match self.weights {
            Weights::Fixed(w) => Some(FixedNetwork::new(w, self.time_embedding(), self.class_bias)),
            #[cfg(feature = "float")]
            Weights::Float(_) => None,
        }
    }

    /// The class-bias rows of a class-conditional model.
    pub fn class_bias(&self) -> Option<ClassBias<'a>> {
        self.class_bias
    }

    /// Number of classes of a class-conditional model, 0 for an
    /// unconditional one.
    pub fn classes(&self) -> u32 {
        self.class_bias.map_or(0, |c| c.classes())
    }

    /// The classifier-free guidance the network holds, if it was distilled
    /// from guided sampling (read again from the file): sample its classes
    /// with guidance 0.
    pub fn held_guidance(&self) -> Option<HeldGuidance> {
        let body = self.bodies(SectionKind::HeldGuidance).next()?;
        held_guidance::parse(body, self.classes()).ok()
    }

    /// The names of the data columns, if the file stores them (read again
    /// from the file).
    pub fn column_names(&self) -> Option<Names<'a>> {
        let body = self.bodies(SectionKind::ColumnNames).next()?;
        names_section::parse(body, SectionKind::ColumnNames, self.topology.x_dim()).ok()
    }

    /// The names of the classes of a class-conditional model, if the file
    /// stores them (read again from the file).
    pub fn class_names(&self) -> Option<Names<'a>> {
        let body = self.bodies(SectionKind::ClassNames).next()?;
        names_section::parse(body, SectionKind::ClassNames, self.classes()).ok()
    }

    /// The anomaly detector stored with the model, if any.
    pub fn anomaly(&self) -> Option<AnomalyDetector<'a>> {
        self.anomaly
    }

    /// The training data's range and the x̂₀ clip bounds, if the file has
    /// them (read again from the file: a sampler asks once).
    pub fn data_range(&self) -> Option<DataRange<'a>> {
        let body = self.bodies(SectionKind::DataRange).next()?;
        data_range::parse(body, self.topology.x_dim()).ok()
    }

    /// The integer time embedding of a fixed-point model whose plan rows
    /// carry their time (read again from the file: a network asks once).
    pub fn time_embedding(&self) -> Option<TimeEmbedding<'a>> {
        let body = self.bodies(SectionKind::TimeEmbedding).next()?;
        time_embedding::parse(body).ok()
    }

    /// The integer form of plan `i` (fixed-point models).
    pub fn fixed_plan(&self, i: usize) -> Option<FixedPlan<'a>> {
        let body = self.bodies(SectionKind::FixedPlan).nth(i)?;
        fixed_plan::parse(body, self.topology.prediction()).ok()
    }

    /// The bodies of the sections of `kind`, in file order.
    fn bodies(&self, kind: SectionKind) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        self.sections.bodies(kind)
    }

    /// Data normalisation.
    pub fn normalization(&self) -> Normalization<'a> {
        self.normalization
    }

    /// The training noise schedule.
    #[cfg(feature = "float")]
    pub fn schedule(&self) -> Schedule<'a> {
        self.schedule
    }

    /// The embedded plans, in order.
    #[cfg(feature = "float")]
    pub fn plans(&self) -> impl Iterator<Item = EmbeddedPlan<'a>> + use<'a> {
        let (prediction, schedule) = (self.topology.prediction(), self.schedule);
        self.bodies(SectionKind::Plan)
            .filter_map(move |body| plan_section::parse(body, prediction, schedule).ok())
    }

    /// Embedded plan `i`.
    #[cfg(feature = "float")]
    pub fn plan(&self, i: usize) -> Option<EmbeddedPlan<'a>> {
        self.plans().nth(i)
    }

    /// The outline of embedded plan `i`: what the integer side needs.
    pub fn plan_outline(&self, i: usize) -> Option<PlanOutline> {
        let body = self.bodies(SectionKind::Plan).nth(i)?;
        plan_section::outline(body).ok()
    }

    /// The folded time-bias rows of embedded plan `i` (bias-table models only).
    #[cfg(feature = "float")]
    pub fn time_bias(&self, i: usize) -> Option<TimeBias<'a>> {
        let body = self.bodies(SectionKind::TimeBias).nth(i)?;
        time_bias::parse(body).ok()
    }

    /// Bytes of the weights section.
    pub fn weight_bytes(&self) -> usize {
        match self.weights {
            #[cfg(feature = "float")]
            Weights::Float(w) => w.byte_len(),
            Weights::Fixed(w) => w.byte_len(),
        }
    }

    /// `f32` elements of scratch a [`crate::sampler::Sampler`] over this
    /// model needs: the network's activation buffers, the x̂₀ register and
    /// the multistep register `h`, and for a class-conditional model the
    /// second output of guidance ([`crate::net::Guided`]). For a
    /// fixed-point model, see [`crate::fixed::FixedScratch`] instead.
    #[cfg(feature = "float")]
    pub fn scratch_len(&self) -> usize {
        let dim = self.topology.x_dim() as usize;
        let net = self.network().map_or(0, |n| n.scratch_len());
        let guidance = if self.class_bias.is_some() { dim } else { 0 };
        net + guidance + crate::sampler::register_len(dim)
    }
}

#[cfg(all(test, not(feature = "float")))]
mod tests {
    use super::{Backend, Model};
    use crate::format::{FormatError, SectionKind};

    #[repr(C, align(16))]
    struct Aligned<B: ?Sized>(B);

    // The firmware's fixture models (written by tests/firmware.rs): the same
    // class-conditional network with a detector, in each backend.
    static FIXED: &Aligned<[u8]> = &Aligned(*include_bytes!("../../firmware/models/fixed.tsm"));
    static F32: &Aligned<[u8]> = &Aligned(*include_bytes!("../../firmware/models/f32.tsm"));
    static F16: &Aligned<[u8]> = &Aligned(*include_bytes!("../../firmware/models/f16.tsm"));

    #[test]
    fn float_files_need_the_float_feature() {
        let fixed = Model::parse(&FIXED.0).map(|m| m.backend());
        assert_eq!(fixed, Ok(Backend::Fixed));
        for (file, section) in [
            (&F32.0, SectionKind::WeightsF32),
            (&F16.0, SectionKind::WeightsF16),
        ] {
            let err = Model::parse(file).err();
            assert_eq!(err, Some(FormatError::FloatNotBuilt { section }));
        }
    }
}

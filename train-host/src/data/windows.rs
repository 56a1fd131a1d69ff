//! Cutting a multichannel stream into windows, one window per row.
//!
//! Sensor data arrives as a stream: one row per time step (a timestamp,
//! then the channels), often with a label column saying what was going on
//! (`idle`, `walk`, `run`). A model of windows needs one row per window of
//! `L` steps: `ax_0 … ax_{L−1}, ay_0 …` (channel after channel, so a
//! channel's waveform is contiguous and plots group by channel name). Two
//! things must not be blurred on the way: a window never spans a gap in
//! the recording (a time step longer than `max_gap` sampling periods,
//! where the period is the median step), and a labelled window never spans
//! a label change; such windows are left out and counted.

use super::Dataset;

/// How to cut windows.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowSpec {
    /// Time steps per window.
    pub length: usize,
    /// Steps from one window's start to the next.
    pub stride: usize,
    /// A step longer than this many sampling periods is a gap.
    pub max_gap: f64,
}

/// A stream: `channels` values per time step, with optional times and
/// labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Stream<'a> {
    /// The channels' values, one row per time step.
    pub values: &'a Dataset,
    /// The channels' names.
    pub names: &'a [String],
    /// Each step's time, if the stream has a time column.
    pub times: Option<&'a [f64]>,
    /// Each step's label, if the stream has a label column.
    pub labels: Option<&'a [String]>,
}

/// The windows and what was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Windows {
    /// One window per row, channel after channel.
    pub data: Dataset,
    /// Column names, `CHANNEL_K`.
    pub columns: Vec<String>,
    /// Each window's label, with a labelled stream.
    pub labels: Vec<String>,
    /// The sampling period (median time step), with a time column.
    pub period: Option<f64>,
    /// Gaps found in the stream.
    pub gaps: usize,
    /// Windows left out because they span a gap.
    pub across_gaps: usize,
    /// Windows left out because they span a label change.
    pub across_labels: usize,
}

/// Why a stream cannot be cut.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// Time does not increase from one row to the next.
    #[error("data row {row}: time {time} is not after the previous row's {previous}")]
    TimeOrder {
        /// 1-based data row.
        row: usize,
        /// Its time.
        time: String,
        /// The previous row's.
        previous: String,
    },
    /// Not a single whole window.
    #[error("the stream has {rows} rows, fewer than one window of {length}")]
    TooShort {
        /// Rows in the stream.
        rows: usize,
        /// The window length.
        length: usize,
    },
    /// Windows wider than a model may be.
    #[error(
        "{length} steps × {channels} channels = {width} columns, more than a model's {max}: \
         shorten the windows or pick fewer --channels"
    )]
    TooWide {
        /// The window length.
        length: usize,
        /// The channels.
        channels: usize,
        /// Their product.
        width: usize,
        /// The format's limit.
        max: u32,
    },
}

/// Cuts `stream` into windows by `spec`.
pub fn windows(stream: &Stream<'_>, spec: &WindowSpec) -> Result<Windows, WindowError> {
    let (rows, channels) = (stream.values.len(), stream.values.dim);
    let width = spec.length * channels;
    if width > tinyscore::format::MAX_DIM as usize {
        return Err(WindowError::TooWide {
            length: spec.length,
            channels,
            width,
            max: tinyscore::format::MAX_DIM,
        });
    }
    if rows < spec.length {
        return Err(WindowError::TooShort {
            rows,
            length: spec.length,
        });
    }
    // break_before[i]: a gap between rows i − 1 and i.
    let mut break_before = vec![false; rows];
    let mut period = None;
    if let Some(times) = stream.times {
        let steps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        if let Some(i) = steps.iter().position(|&d| d <= 0.0) {
            return Err(WindowError::TimeOrder {
                row: i + 2,
                time: times[i + 1].to_string(),
                previous: times[i].to_string(),
            });
        }
        let mut sorted = steps.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied();
        if let Some(p) = median {
            for (i, &d) in steps.iter().enumerate() {
                break_before[i + 1] = d > spec.max_gap * p;
            }
        }
        period = median;
    }
    let gaps = break_before.iter().filter(|&&b| b).count();
    let columns = stream
        .names
        .iter()
        .flat_map(|c| (0..spec.length).map(move |k| format!("{c}_{k}")))
        .collect();
    let mut out = Windows {
        data: Dataset::with_capacity(width, rows / spec.stride),
        columns,
        labels: Vec::new(),
        period,
        gaps,
        across_gaps: 0,
        across_labels: 0,
    };
    let mut row = vec![0f32; width];
    let mut start = 0;
    while start + spec.length <= rows {
        let span = start..start + spec.length;
        if break_before[start + 1..span.end].iter().any(|&b| b) {
            out.across_gaps += 1;
        } else if let Some(labels) = stream.labels
            && labels[span.clone()].iter().any(|l| *l != labels[start])
        {
            out.across_labels += 1;
        } else {
            for (k, i) in span.enumerate() {
                for (c, &v) in stream.values.row(i).iter().enumerate() {
                    row[c * spec.length + k] = v;
                }
            }
            out.data.push(&row);
            if let Some(labels) = stream.labels {
                out.labels.push(labels[start].clone());
            }
        }
        start += spec.stride;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn windows_are_channel_major_and_skip_gaps_and_label_changes() {
        // Two channels over 10 steps at period 1, a gap between t = 5 and
        // t = 8, a label change at row 7 (0-based).
        let times = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 8.0, 9.0, 10.0, 11.0];
        let mut values = Dataset::with_capacity(2, 10);
        for i in 0..10 {
            values.push(&[i as f32, 100.0 + i as f32]);
        }
        let labels = names(&["a", "a", "a", "a", "a", "a", "a", "b", "b", "b"]);
        let channel_names = names(&["x", "y"]);
        let stream = Stream {
            values: &values,
            names: &channel_names,
            times: Some(&times),
            labels: Some(&labels),
        };
        let spec = WindowSpec {
            length: 3,
            stride: 1,
            max_gap: 1.5,
        };
        let w = windows(&stream, &spec).unwrap();
        // Starts 0..=7: 0-3 whole; 4 and 5 span the gap before row 6;
        // 6 spans the label change at row 7; 7 is whole (labels b).
        assert_eq!(w.data.len(), 5);
        assert_eq!((w.gaps, w.across_gaps, w.across_labels), (1, 2, 1));
        assert_eq!(w.period, Some(1.0));
        assert_eq!(w.labels, ["a", "a", "a", "a", "b"]);
        assert_eq!(w.columns, ["x_0", "x_1", "x_2", "y_0", "y_1", "y_2"]);
        assert_eq!(w.data.row(1), [1.0, 2.0, 3.0, 101.0, 102.0, 103.0]);
        assert_eq!(w.data.row(4), [7.0, 8.0, 9.0, 107.0, 108.0, 109.0]);
        // Stride 2 without labels or times: starts 0, 2, 4, 6.
        let plain = Stream {
            times: None,
            labels: None,
            ..stream.clone()
        };
        let w = windows(
            &plain,
            &WindowSpec {
                stride: 2,
                ..spec.clone()
            },
        )
        .unwrap();
        assert_eq!(w.data.len(), 4);
        assert_eq!(w.data.row(3), [6.0, 7.0, 8.0, 106.0, 107.0, 108.0]);
    }

    #[test]
    fn unix_timestamps_keep_their_period() {
        // 50 Hz from a Unix time: in f32 every step would round to 0 or
        // 128 s; in f64 the period is 0.02 s and the one gap is found.
        let times: Vec<f64> = (0..20)
            .map(|i| 1_700_000_000.0 + 0.02 * f64::from(i) + if i >= 10 { 1.0 } else { 0.0 })
            .collect();
        let mut values = Dataset::with_capacity(1, 20);
        (0..20).for_each(|i| values.push(&[i as f32]));
        let channel = names(&["x"]);
        let stream = Stream {
            values: &values,
            names: &channel,
            times: Some(&times),
            labels: None,
        };
        let spec = WindowSpec {
            length: 5,
            stride: 5,
            max_gap: 1.5,
        };
        let w = windows(&stream, &spec).unwrap();
        assert!((w.period.unwrap() - 0.02).abs() < 1e-6, "{:?}", w.period);
        assert_eq!((w.gaps, w.data.len(), w.across_gaps), (1, 4, 0));
    }

    #[test]
    fn bad_streams_are_refused() {
        let mut values = Dataset::with_capacity(1, 3);
        for v in [1.0, 2.0, 3.0] {
            values.push(&[v]);
        }
        let channel = names(&["x"]);
        let times = [0.0, 1.0, 1.0];
        let stream = Stream {
            values: &values,
            names: &channel,
            times: Some(&times),
            labels: None,
        };
        let spec = WindowSpec {
            length: 2,
            stride: 1,
            max_gap: 1.5,
        };
        assert_eq!(
            windows(&stream, &spec).unwrap_err().to_string(),
            "data row 3: time 1 is not after the previous row's 1"
        );
        let long = WindowSpec {
            length: 4,
            ..spec.clone()
        };
        assert!(matches!(
            windows(
                &Stream {
                    times: None,
                    ..stream.clone()
                },
                &long
            ),
            Err(WindowError::TooShort { rows: 3, length: 4 })
        ));
        let wide = WindowSpec {
            length: 4097,
            ..spec
        };
        assert!(matches!(
            windows(&stream, &wide),
            Err(WindowError::TooWide { .. })
        ));
    }
}

//! The demo's only source of randomness: SplitMix64 from a fixed seed, one independent stream
//! per generation step (so that changing one step does not reshuffle the others), and the
//! draws the generator needs on top of it (ranges, weights, dates, normal deviates, UUIDs).

use chrono::{Days, NaiveDate};
use uuid::Uuid;

/// Seed of every stream: changing it changes the whole ecosystem.
const SEED: u64 = 0x7E22_A55E_2026_1101;

/// A SplitMix64 generator (Steele, Lea and Flood, 2014): tiny, fast, and good enough to make
/// demo data look random while staying the same on every run and platform.
#[derive(Debug, Clone)]
pub(super) struct DemoRng {
    state: u64,
}

impl DemoRng {
    /// The stream of one generation step: the fixed seed mixed with the FNV-1a hash of
    /// `step`.
    pub(super) fn for_step(step: &str) -> Self {
        let hash = step.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        Self { state: SEED ^ hash }
    }

    /// The next 64 random bits.
    pub(super) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (0 when `n` is 0), without modulo bias worth mentioning.
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A uniform integer in `low..=high` (`low` when the range is empty).
    pub(super) fn between(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = (high - low) as u64 + 1;
        low + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as i64
    }

    /// A uniform float in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniform element of `items`, `None` when empty.
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }

    /// An element of `items` drawn with probability proportional to `weight`; `None` when
    /// every weight is zero.
    pub(super) fn pick_by_weight<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> Option<&'a T> {
        let total: u64 = items.iter().map(|item| u64::from(weight(item))).sum();
        if total == 0 {
            return None;
        }
        let mut target = self.below(total as usize) as u64;
        items.iter().find(|item| {
            let w = u64::from(weight(item));
            if target < w {
                true
            } else {
                target -= w;
                false
            }
        })
    }

    /// A standard normal deviate (Box–Muller).
    pub(super) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A uniform date in `first..=last` (`first` when the range is empty).
    pub(super) fn date_between(&mut self, first: NaiveDate, last: NaiveDate) -> NaiveDate {
        let span = (last - first).num_days();
        let offset = self.between(0, span.max(0)) as u64;
        first.checked_add_days(Days::new(offset)).unwrap_or(first)
    }

    /// `count` random decimal digits.
    pub(super) fn digits(&mut self, count: usize) -> String {
        (0..count).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }

    /// A version-4 UUID whose random bits come from this stream.
    pub(super) fn uuid(&mut self) -> Uuid {
        let mut bytes = [0_u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// Draws indices with probability proportional to fixed weights (communes by population,
/// buyers by population), in logarithmic time.
#[derive(Debug, Clone, Default)]
pub(super) struct WeightedIndex {
    /// Running sums of the weights.
    cumulative: Vec<u64>,
}

impl WeightedIndex {
    /// An index over `weights`, in order.
    pub(super) fn new(weights: impl IntoIterator<Item = u64>) -> Self {
        let mut total = 0_u64;
        let cumulative = weights
            .into_iter()
            .map(|weight| {
                total += weight;
                total
            })
            .collect();
        Self { cumulative }
    }

    /// An index drawn by weight; `None` when every weight is zero.
    pub(super) fn sample(&self, rng: &mut DemoRng) -> Option<usize> {
        let total = *self.cumulative.last()?;
        if total == 0 {
            return None;
        }
        let target = ((u128::from(rng.next_u64()) * u128::from(total)) >> 64) as u64;
        Some(self.cumulative.partition_point(|&sum| sum <= target))
    }
}

#[cfg(test)]
mod tests {
    use super::{DemoRng, WeightedIndex};

    #[test]
    fn streams_are_deterministic_and_independent() {
        let draws = |step: &str| {
            let mut rng = DemoRng::for_step(step);
            (0..5).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draws("contracts"), draws("contracts"));
        assert_ne!(draws("contracts"), draws("partnerships"));
        assert_eq!(DemoRng::for_step("ids").uuid(), DemoRng::for_step("ids").uuid());
    }

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let mut rng = DemoRng::for_step("ids");
        let a = rng.uuid();
        let b = rng.uuid();
        assert_ne!(a, b);
        assert_eq!(a.get_version_num(), 4);
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = DemoRng::for_step("ranges");
        for _ in 0..1_000 {
            assert!((3..=7).contains(&rng.between(3, 7)));
            assert!(rng.below(4) < 4);
            assert!((0.0..1.0).contains(&rng.unit()));
        }
        assert_eq!(rng.between(5, 5), 5);
        assert_eq!(rng.pick::<u8>(&[]), None);
    }

    #[test]
    fn weighted_draws_follow_the_weights() {
        let mut rng = DemoRng::for_step("weights");
        let index = WeightedIndex::new([0, 1, 3, 0]);
        let mut counts = [0_u32; 4];
        for _ in 0..4_000 {
            if let Some(i) = index.sample(&mut rng) {
                counts[i] += 1;
            }
        }
        assert_eq!(counts[0] + counts[3], 0);
        assert!((2_800..3_200).contains(&counts[2]), "{counts:?}");
        assert_eq!(WeightedIndex::new([0, 0]).sample(&mut rng), None);
    }
}

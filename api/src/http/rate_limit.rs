//! Rate limiting in cost points: a token bucket per API key, or per client address for
//! anonymous callers. A request is charged its requested cost (`extensions.cost.requested`)
//! before it runs and settled on its actual cost (`extensions.cost.actual`) afterwards: the
//! difference is refunded, or, when the answer cost more than estimated, the excess is charged
//! then (the bucket may go below zero, and later requests wait until it refills). When the
//! bucket holds less than a request costs, the request is refused (HTTP 429, code
//! `RATE_LIMITED`, `Retry-After`) and nothing runs.
//!
//! Buckets live in the process: behind a load balancer each instance keeps its own, so a
//! client spread over N instances gets up to N times the budget (docs/DEPLOYMENT.md). Behind a
//! reverse proxy every anonymous caller shares the proxy's address: give partners keys.

use std::{collections::HashMap, net::IpAddr, sync::Mutex, time::Instant};

use uuid::Uuid;

/// Most buckets kept; past it, full buckets (callers at rest) are forgotten.
const MAX_BUCKETS: usize = 100_000;

/// Whose budget a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    /// An API key.
    Key(Uuid),
    /// An anonymous caller's address.
    Address(IpAddr),
}

/// The budget settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Points a bucket holds when full (0 turns rate limiting off).
    pub capacity: u64,
    /// Points restored per second.
    pub restore_per_second: u64,
}

/// What a client may still spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    /// Points left after the charge.
    pub remaining: u64,
    /// Seconds until the bucket is full again.
    pub full_in: u64,
}

/// A refusal: the bucket holds too little.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exhausted {
    /// Points the request costs.
    pub cost: u64,
    /// Points the bucket holds.
    pub available: u64,
    /// Seconds until it holds enough (`None`: never, the request costs more than a full bucket).
    pub retry_after: Option<u64>,
}

struct Bucket {
    points: f64,
    at: Instant,
}

/// The buckets of every client.
pub struct RateLimiter {
    budget: Budget,
    buckets: Mutex<HashMap<Client, Bucket>>,
}

/// Whole points (buckets hold between 0 and the capacity).
fn whole(points: f64) -> u64 {
    points.max(0.0).floor() as u64
}

impl RateLimiter {
    /// Buckets with `budget`.
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The settings.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Whether limiting is on.
    pub fn enabled(&self) -> bool {
        self.budget.capacity > 0
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        let capacity = self.budget.capacity as f64;
        bucket.points = (bucket.points + elapsed * self.budget.restore_per_second as f64).min(capacity);
        bucket.at = now;
    }

    fn standing(&self, points: f64) -> Standing {
        let missing = self.budget.capacity as f64 - points;
        let full_in = if self.budget.restore_per_second == 0 {
            0
        } else {
            whole((missing / self.budget.restore_per_second as f64).ceil())
        };
        Standing {
            remaining: whole(points),
            full_in,
        }
    }

    /// Charges `cost` points to `client`, at `now`.
    pub fn charge(&self, client: Client, cost: u64, now: Instant) -> Result<Standing, Exhausted> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(self.standing(self.budget.capacity as f64));
        };
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(&client) {
            let capacity = self.budget.capacity as f64;
            let rate = self.budget.restore_per_second as f64;
            buckets.retain(|_, bucket| {
                bucket.points + now.saturating_duration_since(bucket.at).as_secs_f64() * rate < capacity
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            points: self.budget.capacity as f64,
            at: now,
        });
        self.refill(bucket, now);
        let cost_points = cost as f64;
        if bucket.points >= cost_points {
            bucket.points -= cost_points;
            return Ok(self.standing(bucket.points));
        }
        let retry_after = (cost <= self.budget.capacity && self.budget.restore_per_second > 0)
            .then(|| whole(((cost_points - bucket.points) / self.budget.restore_per_second as f64).ceil()).max(1));
        Err(Exhausted {
            cost,
            available: whole(bucket.points),
            retry_after,
        })
    }

    /// Settles a charge of `charged` points on the `actual` cost: refunds what was not spent,
    /// or charges the excess (a bucket may then hold less than zero).
    pub fn settle(&self, client: Client, charged: u64, actual: u64) -> Standing {
        if actual <= charged {
            return self.refund(client, charged - actual);
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            return self.standing(self.budget.capacity as f64);
        };
        let capacity = self.budget.capacity as f64;
        let bucket = buckets.entry(client).or_insert(Bucket {
            points: capacity,
            at: Instant::now(),
        });
        bucket.points -= (actual - charged) as f64;
        self.standing(bucket.points)
    }

    /// Gives back `points` charged but not spent (requested cost above the actual one).
    pub fn refund(&self, client: Client, points: u64) -> Standing {
        let Ok(mut buckets) = self.buckets.lock() else {
            return self.standing(self.budget.capacity as f64);
        };
        let capacity = self.budget.capacity as f64;
        match buckets.get_mut(&client) {
            Some(bucket) => {
                bucket.points = (bucket.points + points as f64).min(capacity);
                self.standing(bucket.points)
            }
            None => self.standing(capacity),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn buckets_charge_refuse_refill_and_refund() {
        let limiter = RateLimiter::new(Budget {
            capacity: 100,
            restore_per_second: 10,
        });
        let client = Client::Address(IpAddr::from([127, 0, 0, 1]));
        let other = Client::Key(Uuid::nil());
        let t0 = Instant::now();
        assert_eq!(
            limiter.charge(client, 70, t0),
            Ok(Standing {
                remaining: 30,
                full_in: 7
            })
        );
        assert_eq!(
            limiter.charge(client, 50, t0),
            Err(Exhausted {
                cost: 50,
                available: 30,
                retry_after: Some(2)
            })
        );
        // Other clients have their own bucket.
        assert!(limiter.charge(other, 100, t0).is_ok());
        // Two seconds later, 20 points are back.
        assert_eq!(
            limiter
                .charge(client, 50, t0 + Duration::from_secs(2))
                .map(|s| s.remaining),
            Ok(0)
        );
        // Unspent points come back; never above the capacity.
        assert_eq!(limiter.refund(client, 40).remaining, 40);
        assert_eq!(limiter.refund(client, 1_000).remaining, 100);
        // A cost above the charge is charged after the fact, even into debt.
        let t4 = t0 + Duration::from_secs(20);
        assert_eq!(limiter.charge(client, 10, t4).map(|s| s.remaining), Ok(90));
        assert_eq!(limiter.settle(client, 10, 4).remaining, 96);
        assert_eq!(limiter.settle(client, 10, 126).remaining, 0);
        assert!(limiter.charge(client, 1, t4).is_err(), "in debt: 20 points short");
        assert_eq!(
            limiter
                .charge(client, 1, t4 + Duration::from_secs(3))
                .map(|s| s.remaining),
            Ok(9)
        );
        // A request larger than a full bucket can never pass.
        assert_eq!(
            limiter
                .charge(client, 101, t4 + Duration::from_secs(3))
                .map_err(|e| e.retry_after),
            Err(None)
        );
    }
}

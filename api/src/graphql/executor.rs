//! Runs one GraphQL request with its DataLoaders' fetches driven by the request itself.
//!
//! A DataLoader batches the keys registered before its fetch starts. Spawned as ordinary
//! tasks with a timed delay, fetches start while sibling resolvers of a list are still
//! registering keys (async-graphql polls list items in groups and yields in between), so a
//! page could cost several queries per relation, and every level of nesting waited out the
//! delay. Here the loaders' fetches go to a queue owned by the request: the executor polls the
//! GraphQL execution until it is idle (every resolver that can run has registered its keys),
//! then starts and polls the queued fetches, and repeats. Batches then hold every key of a
//! level, deterministically, and no time is spent waiting.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Wake, Waker},
};

use async_graphql::futures_util::{StreamExt, future::BoxFuture, stream::FuturesUnordered};
use sea_orm::DatabaseConnection;

use super::{
    TerrasseSchema,
    fetch_queue::FetchQueue,
    input_text,
    limits::{self, QueryLimits},
    loaders::Loaders,
};

/// Executes a request within the default query limits (see [`execute_within`]).
pub async fn execute(
    schema: &TerrasseSchema,
    request: async_graphql::Request,
    db: DatabaseConnection,
) -> async_graphql::Response {
    execute_within(schema, request, db, &QueryLimits::default()).await
}

/// Executes a request with fresh loaders over `db` (which its resolvers also use), driving their fetches as described in the
/// module documentation, once the document is within `limits` (else answers the refusal);
/// the response carries `extensions.cost`.
pub async fn execute_within(
    schema: &TerrasseSchema,
    mut request: async_graphql::Request,
    db: DatabaseConnection,
    limits: &QueryLimits,
) -> async_graphql::Response {
    match limits::admit(&mut request, limits) {
        Ok(requested) => execute_admitted(schema, request, db, requested, limits).await,
        Err(refusal) => async_graphql::Response::from_errors(vec![refusal]),
    }
}

/// Executes a request that [`limits::admit`] let through with `measure` (refusing a NUL in its
/// input first, see [`input_text`]), and reports the cost on the response.
pub async fn execute_admitted(
    schema: &TerrasseSchema,
    mut request: async_graphql::Request,
    db: DatabaseConnection,
    measure: Option<limits::Measure>,
    limits: &QueryLimits,
) -> async_graphql::Response {
    if let Err(refusal) = input_text::refuse_nul(&mut request) {
        return async_graphql::Response::from_errors(vec![refusal]);
    }
    let mut response = run(schema, request, db).await;
    if let Some(measure) = measure {
        limits::report_cost(&mut response, &measure, limits);
    }
    response
}

async fn run(
    schema: &TerrasseSchema,
    request: async_graphql::Request,
    db: DatabaseConnection,
) -> async_graphql::Response {
    let queue = FetchQueue::default();
    // The request's database (the primary, or a read replica) overrides the schema's.
    let request = request.data(db.clone()).data(Loaders::new(db, &queue));
    RequestExecutor {
        main: Box::pin(schema.execute(request)),
        queue,
        running: FuturesUnordered::new(),
    }
    .await
}

/// A waker that records that it was woken, then wakes the task.
struct Flag {
    woken: AtomicBool,
    task: Waker,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.task.wake_by_ref();
    }
}

fn flag(cx: &Context<'_>) -> (Arc<Flag>, Waker) {
    let flag = Arc::new(Flag {
        woken: AtomicBool::new(false),
        task: cx.waker().clone(),
    });
    let waker = Waker::from(flag.clone());
    (flag, waker)
}

struct RequestExecutor<F> {
    main: Pin<Box<F>>,
    queue: FetchQueue,
    running: FuturesUnordered<BoxFuture<'static, ()>>,
}

impl<F: Future> Future for RequestExecutor<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            // Run the execution until it is idle: it yields between groups of list items
            // (and wakes itself), which must not let a fetch start with part of a level's keys.
            let (main_flag, main_waker) = flag(cx);
            loop {
                if let Poll::Ready(output) = this.main.as_mut().poll(&mut Context::from_waker(&main_waker)) {
                    return Poll::Ready(output);
                }
                if !main_flag.woken.swap(false, Ordering::SeqCst) {
                    break;
                }
            }
            // Then start the fetches it queued and drive every running fetch.
            this.running.extend(this.queue.take());
            let (fetch_flag, fetch_waker) = flag(cx);
            let mut fetch_cx = Context::from_waker(&fetch_waker);
            while let Poll::Ready(Some(())) = this.running.poll_next_unpin(&mut fetch_cx) {}
            let progressed = main_flag.woken.load(Ordering::SeqCst)
                || fetch_flag.woken.swap(false, Ordering::SeqCst)
                || !this.queue.is_empty();
            if !progressed {
                return Poll::Pending;
            }
        }
    }
}

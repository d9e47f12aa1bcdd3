//! The sandbox under load, on loopback: many generated clients at once creating customers,
//! asking for addresses (the same customer and currency from many tasks at once), simulating
//! deposits through the sandbox-only routes and finding transactions. Afterwards the state must
//! hold exactly what the tasks recorded: no customer, address or transaction lost or doubled.
//!
//! Bounded in count (tasks × rounds) and in time (no round starts after the deadline; the whole
//! run is cut off after a hard limit). It prints requests per second and p50/p99 latency per
//! operation; CI runs it with `--nocapture` in a step of its own so the figures are in the log.
//! The figures are printed, never asserted.

mod common;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::{Duration, Instant};

use calypso_customer_purse::types::{
    CreateCustomerRequest, CustomerIdRequest, ErrorCode, ExternalIdRequest,
    FindTransactionsRequest, PurseAddressRequest, Transaction, TransactionIdRequest,
    TransactionState,
};
use calypso_customer_purse::{Client, Decimal, Uuid, reqwest};
use calypso_customer_purse_sandbox::{DEMO_ACCOUNT, Running};
use common::OTHER_ACCOUNT;
use serde_json::json;

/// Concurrent tasks, each with its own generated client.
const TASKS: usize = 64;
/// Rounds per task; each round is about nine requests.
const ROUNDS_PER_TASK: usize = 12;
/// No round starts after this much time under load.
const LOAD_DEADLINE: Duration = Duration::from_secs(20);
/// The whole test fails, rather than hangs, past this.
const HARD_LIMIT: Duration = Duration::from_secs(90);
/// Customers whose addresses every task asks for at once, per account.
const SHARED_CUSTOMERS: usize = 2;
/// Currencies the rounds cycle through: EVM (shared address), TRON, BTC, LTC.
const CURRENCIES: [&str; 5] = ["ETH", "USDT_TRC20", "BTC", "LTC", "USDT_BSC"];

/// Latencies of one kind of request.
#[derive(Default)]
struct Latencies(HashMap<&'static str, Vec<Duration>>);

impl Latencies {
    async fn time<T>(&mut self, operation: &'static str, request: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let answer = request.await;
        self.record(operation, started.elapsed());
        answer
    }

    fn record(&mut self, operation: &'static str, took: Duration) {
        self.0.entry(operation).or_default().push(took);
    }

    fn merge(&mut self, other: Latencies) {
        for (operation, mut samples) in other.0 {
            self.0.entry(operation).or_default().append(&mut samples);
        }
    }

    fn count(&self) -> usize {
        self.0.values().map(Vec::len).sum()
    }

    /// The table: requests per second overall, then count, p50 and p99 per operation.
    fn print(&mut self, title: &str, wall: Duration) {
        let total = self.count();
        let per_second = total as f64 / wall.as_secs_f64();
        eprintln!(
            "\n{title}: {total} requests in {:.2} s = {per_second:.0} requests/s",
            wall.as_secs_f64()
        );
        eprintln!(
            "  {:<28} {:>7} {:>10} {:>10}",
            "operation", "count", "p50 ms", "p99 ms"
        );
        let mut operations: Vec<_> = self.0.iter_mut().collect();
        operations.sort_by_key(|(operation, _)| **operation);
        for (operation, samples) in operations {
            samples.sort_unstable();
            eprintln!(
                "  {operation:<28} {:>7} {:>10.2} {:>10.2}",
                samples.len(),
                millis(percentile(samples, 50)),
                millis(percentile(samples, 99)),
            );
        }
    }
}

/// The `p`th percentile of sorted samples (nearest rank).
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// What one task did, to be checked against the sandbox's state afterwards.
#[derive(Default)]
struct Record {
    /// (account, external id, customer id) of every customer created.
    customers: Vec<(&'static str, String, Uuid)>,
    /// (account, customer, currency) → every address answered for it.
    addresses: HashMap<(&'static str, Uuid, &'static str), HashSet<String>>,
    /// Every deposit: its account and what `transaction/find` must show for it.
    deposits: Vec<(&'static str, Expected)>,
    rounds: usize,
}

#[derive(Debug, Clone)]
struct Expected {
    id: Uuid,
    customer: Uuid,
    amount: String,
    currency: &'static str,
    state: TransactionState,
    credited: bool,
}

/// One account's side of the load: its client maker and shared customers.
#[derive(Clone)]
struct Account {
    name: &'static str,
    shared: Vec<Uuid>,
}

fn client_for(running: &Running, account: &'static str) -> Client {
    if account == OTHER_ACCOUNT {
        common::other_client(running)
    } else {
        common::demo_client(running)
    }
}

/// The amount of a task's deposit: exact, many digits, last one non-zero, unique per deposit.
fn amount(task: usize, round: usize, shared: bool) -> String {
    let kind = if shared { 2 } else { 1 };
    format!("{}.{round:03}{task:03}00000000{kind}", task + 1)
}

/// POSTs a sandbox-only route; the status and the JSON answer.
async fn admin(
    http: &reqwest::Client,
    base_url: &str,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = http
        .post(format!("{base_url}{path}"))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|error| panic!("POST {path}: {error}"));
    let status = response.status().as_u16();
    let text = response.text().await.expect("an answer body");
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, value)
}

async fn deposit_over_http(
    latencies: &mut Latencies,
    http: &reqwest::Client,
    base_url: &str,
    address: &str,
    currency: &str,
    amount: &str,
    outcome: &str,
) -> Transaction {
    let body =
        json!({"address": address, "currency": currency, "amount": amount, "outcome": outcome});
    let (status, answer) = latencies
        .time(
            "sandbox/deposits",
            admin(http, base_url, "/sandbox/deposits", body),
        )
        .await;
    assert_eq!(status, 201, "deposit of {amount} {currency}: {answer}");
    serde_json::from_value(answer).expect("the deposit answer is a transaction")
}

/// One task: `ROUNDS_PER_TASK` rounds, or fewer if the deadline passes.
async fn run_task(
    running_url: String,
    client: Client,
    account: Account,
    task: usize,
    deadline: Instant,
) -> (Record, Latencies) {
    let mut record = Record::default();
    let mut latencies = Latencies::default();
    let http = reqwest::Client::new();
    for round in 0..ROUNDS_PER_TASK {
        if Instant::now() >= deadline {
            break;
        }
        let currency = CURRENCIES[(task + round) % CURRENCIES.len()];

        let external_id = format!("load-{}-{task}-{round}", account.name);
        let request = CreateCustomerRequest::new()
            .with_external_id(external_id.clone())
            .with_description(format!("task {task} round {round} \u{2013} \"load\""));
        let created = latencies
            .time("customer/create", client.create_customer(&request))
            .await
            .unwrap_or_else(|error| panic!("create {external_id}: {error}"));
        let customer = created.id.expect("a created customer has an id");
        record
            .customers
            .push((account.name, external_id.clone(), customer));

        // Two requests at once for the same new customer and currency…
        let request = PurseAddressRequest::new(customer, currency);
        let timed = || async {
            let started = Instant::now();
            let answer = client.get_purse_address(&request).await;
            (answer, started.elapsed())
        };
        let ((first, first_took), (second, second_took)) =
            futures_util::future::join(timed(), timed()).await;
        for (answer, took) in [(first, first_took), (second, second_took)] {
            latencies.record("address/get (new, 2 at once)", took);
            let address = answer
                .unwrap_or_else(|error| panic!("address/get: {error}"))
                .address;
            record
                .addresses
                .entry((account.name, customer, currency))
                .or_default()
                .insert(address);
        }
        let own_address = record.addresses[&(account.name, customer, currency)]
            .iter()
            .next()
            .cloned()
            .expect("an address");

        // …and one for a customer every task of this account asks about.
        let shared_customer = account.shared[(task + round) % account.shared.len()];
        let request = PurseAddressRequest::new(shared_customer, currency);
        let shared_address = latencies
            .time("address/get (shared)", client.get_purse_address(&request))
            .await
            .unwrap_or_else(|error| panic!("shared address/get: {error}"))
            .address;
        record
            .addresses
            .entry((account.name, shared_customer, currency))
            .or_default()
            .insert(shared_address.clone());

        // A deposit to the new customer: some left in the mempool, some settled, some declined.
        let (outcome, settle) = match round % 3 {
            0 => ("CONFIRMED", false),
            1 => ("CONFIRMED", true),
            _ => ("DECLINED", true),
        };
        let own_amount = amount(task, round, false);
        let base_url = &running_url;
        let deposited = deposit_over_http(
            &mut latencies,
            &http,
            base_url,
            &own_address,
            currency,
            &own_amount,
            outcome,
        )
        .await;
        let (state, credited) = if settle {
            let path = format!("/sandbox/transactions/{}/settle", deposited.id);
            let (status, answer) = latencies
                .time(
                    "sandbox/transactions/settle",
                    admin(&http, base_url, &path, json!(null)),
                )
                .await;
            assert_eq!(status, 200, "settle: {answer}");
            if outcome == "DECLINED" {
                (TransactionState::Declined, false)
            } else {
                (TransactionState::Confirmed, true)
            }
        } else {
            (TransactionState::MemPoolFound, false)
        };
        record.deposits.push((
            account.name,
            Expected {
                id: deposited.id,
                customer,
                amount: own_amount,
                currency,
                state,
                credited,
            },
        ));

        // A deposit to the shared customer, racing every other task's.
        let shared_amount = amount(task, round, true);
        let deposited = deposit_over_http(
            &mut latencies,
            &http,
            base_url,
            &shared_address,
            currency,
            &shared_amount,
            "CONFIRMED",
        )
        .await;
        record.deposits.push((
            account.name,
            Expected {
                id: deposited.id,
                customer: shared_customer,
                amount: shared_amount,
                currency,
                state: TransactionState::MemPoolFound,
                credited: false,
            },
        ));

        // The new customer's transactions: exactly its one deposit.
        let request = FindTransactionsRequest::new().with_customer_id(customer);
        let page = latencies
            .time("transaction/find", client.find_transactions(&request))
            .await
            .unwrap_or_else(|error| panic!("transaction/find: {error}"));
        let found = page.result.unwrap_or_default();
        let own = &record.deposits[record.deposits.len() - 2].1;
        assert_eq!(found.len(), 1, "customer {customer}: {found:?}");
        assert_matches(&found[0], own);

        let got = latencies
            .time(
                "transaction/get",
                client.get_transaction(&TransactionIdRequest::new(own.id)),
            )
            .await
            .unwrap_or_else(|error| panic!("transaction/get: {error}"));
        assert_matches(&got, own);
        record.rounds += 1;
    }
    (record, latencies)
}

#[track_caller]
fn assert_matches(transaction: &Transaction, expected: &Expected) {
    assert_eq!(transaction.id, expected.id);
    // Exact: the same value and the same digits.
    assert_eq!(transaction.amount, common::dec(&expected.amount));
    assert_eq!(transaction.amount.to_string(), expected.amount);
    assert_eq!(transaction.currency, expected.currency);
    assert_eq!(
        transaction.transaction_state, expected.state,
        "{transaction:?}"
    );
    assert_eq!(
        transaction.translation_to_account_completed,
        expected.credited
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_at_once_lose_nothing_and_duplicate_nothing() {
    tokio::time::timeout(HARD_LIMIT, load())
        .await
        .unwrap_or_else(|_| panic!("the load test did not finish within {HARD_LIMIT:?}"));
}

async fn load() {
    let running = common::start(common::two_accounts()).await;
    let base_url = running.base_url();

    let mut accounts = Vec::new();
    for name in [DEMO_ACCOUNT, OTHER_ACCOUNT] {
        let client = client_for(&running, name);
        let mut shared = Vec::new();
        for n in 0..SHARED_CUSTOMERS {
            shared.push(common::new_customer(&client, &format!("shared-{n}")).await);
        }
        accounts.push(Account { name, shared });
    }

    let started = Instant::now();
    let deadline = started + LOAD_DEADLINE;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let account = accounts[task % accounts.len()].clone();
            let client = client_for(&running, account.name);
            tokio::spawn(run_task(base_url.clone(), client, account, task, deadline))
        })
        .collect();
    let mut records = Vec::new();
    let mut latencies = Latencies::default();
    for task in tasks {
        let (record, task_latencies) = task.await.expect("a load task failed");
        records.push(record);
        latencies.merge(task_latencies);
    }
    let wall = started.elapsed();
    let rounds: usize = records.iter().map(|record| record.rounds).sum();
    latencies.print(
        &format!(
            "sandbox load, debug build: {TASKS} tasks x up to {ROUNDS_PER_TASK} rounds \
             ({rounds} done), deadline {LOAD_DEADLINE:?}"
        ),
        wall,
    );
    assert!(rounds > 0, "no round finished before the deadline");

    check_state(&running, &accounts, &records).await;
    running.stop().await.unwrap();
}

/// The sandbox's state holds exactly what the tasks recorded.
async fn check_state(running: &Running, accounts: &[Account], records: &[Record]) {
    // One client per account: building one can be costly (TLS roots, when reqwest has TLS).
    let clients: HashMap<&str, Client> = accounts
        .iter()
        .map(|account| (account.name, client_for(running, account.name)))
        .collect();
    // Customers: distinct ids, each found once by its external id, which stays taken.
    let customers: Vec<_> = records.iter().flat_map(|r| &r.customers).collect();
    let ids: HashSet<Uuid> = customers.iter().map(|(_, _, id)| *id).collect();
    assert_eq!(ids.len(), customers.len(), "two creates got the same id");
    for (account, external_id, id) in &customers {
        let client = &clients[account];
        let found = client
            .get_customer_by_external_id(&ExternalIdRequest::new(external_id.clone()))
            .await
            .unwrap_or_else(|error| panic!("{external_id} is lost: {error}"));
        assert_eq!(found.id, Some(*id), "{external_id}");
        let again = CreateCustomerRequest::new().with_external_id(external_id.clone());
        common::assert_refused(
            client.create_customer(&again).await,
            400,
            ErrorCode::InvalidInput,
        );
    }

    // Addresses: one per customer and currency however many asked at once; EVM currencies of
    // a customer share one; no address belongs to two customers.
    let mut addresses: HashMap<(&str, Uuid, &str), HashSet<String>> = HashMap::new();
    for record in records {
        for (key, seen) in &record.addresses {
            addresses
                .entry(*key)
                .or_default()
                .extend(seen.iter().cloned());
        }
    }
    let mut owners: HashMap<String, (&str, Uuid)> = HashMap::new();
    for ((account, customer, currency), seen) in &addresses {
        assert_eq!(seen.len(), 1, "{customer} {currency}: {seen:?}");
        let address = seen.iter().next().unwrap().clone();
        let owner = owners
            .entry(address.clone())
            .or_insert((account, *customer));
        assert_eq!(*owner, (*account, *customer), "{address} has two owners");
    }
    for ((account, customer, currency), seen) in &addresses {
        let listed = clients[account]
            .get_purses(&CustomerIdRequest::new(*customer))
            .await
            .unwrap();
        let purses: Vec<_> = listed
            .iter()
            .filter(|purse| purse.currency.as_deref() == Some(*currency))
            .collect();
        assert_eq!(purses.len(), 1, "{customer} {currency}: {listed:?}");
        assert!(seen.contains(purses[0].address.as_deref().unwrap_or("")));
    }

    // Transactions: each deposit exactly once, with its amount and state; totals add up.
    for account in accounts {
        let expected: HashMap<Uuid, &Expected> = records
            .iter()
            .flat_map(|r| &r.deposits)
            .filter(|(name, _)| *name == account.name)
            .map(|(_, expected)| (expected.id, expected))
            .collect();
        let client = &clients[account.name];
        let all = client
            .find_transactions_all(&FindTransactionsRequest::new().with_page_size(100))
            .await
            .unwrap();
        let found_ids: HashSet<Uuid> = all.iter().map(|t| t.id).collect();
        assert_eq!(found_ids.len(), all.len(), "a transaction is listed twice");
        assert_eq!(
            found_ids,
            expected.keys().copied().collect(),
            "{}: lost or invented transactions",
            account.name
        );
        for transaction in &all {
            assert_matches(transaction, expected[&transaction.id]);
        }
        let total_found: Decimal = all.iter().map(|t| t.amount).sum();
        let total_recorded: Decimal = expected.values().map(|e| common::dec(&e.amount)).sum();
        assert_eq!(total_found, total_recorded, "{}", account.name);

        // Per shared customer: every task's racing deposit, no more.
        for shared in &account.shared {
            let theirs = client
                .find_transactions_all(
                    &FindTransactionsRequest::new()
                        .with_customer_id(*shared)
                        .with_page_size(100),
                )
                .await
                .unwrap();
            let recorded = expected.values().filter(|e| e.customer == *shared).count();
            assert_eq!(theirs.len(), recorded, "shared customer {shared}");
        }
    }
}

//! Sign-in rate limiting, per account and per address, so passwords cannot be guessed
//! by trying many: after [`PER_ACCOUNT`] failures for one username, or [`PER_ADDRESS`]
//! from one address, within [`WINDOW_MS`], sign-in is refused (429, `TOO_MANY_ATTEMPTS`)
//! before any password is checked, until the oldest of those failures leaves the window.
//!
//! Failures are stored in the database, so every server instance counts the same. The
//! address limit is higher than the account one: a school's tablets often share one
//! public address.

use std::net::IpAddr;

use sqlx::Row;

use crate::clock::now_ms;
use crate::db::{Pool, begin_write};
use crate::error::Error;

/// How long a failure counts.
pub const WINDOW_MS: i64 = 15 * 60_000;
/// Failures of one username within the window before its sign-ins are refused.
pub const PER_ACCOUNT: i64 = 10;
/// Failures from one address within the window before its sign-ins are refused.
pub const PER_ADDRESS: i64 = 50;

fn account_key(username: &str) -> String {
    format!("account:{username}")
}

fn address_key(address: IpAddr) -> String {
    // An IPv6 client is limited by its /64, the block one household or school gets.
    let address = match address {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    };
    format!("address:{address}")
}

/// Refuses a sign-in when the username or the address failed too often lately.
pub async fn check(db: &Pool, username: &str, address: IpAddr) -> Result<(), Error> {
    let now = now_ms();
    let rows = sqlx::query(
        "SELECT key, COUNT(*) AS n, MIN(at) AS oldest FROM sign_in_failures
         WHERE key IN ($1, $2) AND at > $3 GROUP BY key",
    )
    .bind(account_key(username))
    .bind(address_key(address))
    .bind(now - WINDOW_MS)
    .fetch_all(db)
    .await?;
    for row in rows {
        let key: String = row.try_get("key")?;
        let n: i64 = row.try_get("n")?;
        let limit = if key.starts_with("account:") {
            PER_ACCOUNT
        } else {
            PER_ADDRESS
        };
        if n >= limit {
            let oldest: i64 = row.try_get("oldest")?;
            let wait_ms = (oldest + WINDOW_MS - now).max(1_000);
            return Err(Error::TooManyAttempts {
                retry_after_s: u64::try_from(wait_ms).unwrap_or(1_000).div_ceil(1_000),
            });
        }
    }
    Ok(())
}

/// Counts a failed sign-in against the username and the address.
pub async fn failed(db: &Pool, username: &str, address: IpAddr) -> Result<(), Error> {
    let now = now_ms();
    let mut tx = begin_write(db).await?;
    sqlx::query("INSERT INTO sign_in_failures (key, at) VALUES ($1, $3), ($2, $3)")
        .bind(account_key(username))
        .bind(address_key(address))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    // Housekeeping: what left the window no longer counts.
    sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1")
        .bind(now - WINDOW_MS)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A successful sign-in clears the username's failures (not the address's: one
/// account's success says nothing of the other guesses from there).
pub async fn succeeded(db: &Pool, username: &str) -> Result<(), Error> {
    let mut tx = begin_write(db).await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
        .bind(account_key(username))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_keyed_by_host_or_ipv6_block() {
        let v4: IpAddr = "203.0.113.7".parse().expect("v4");
        assert_eq!(address_key(v4), "address:203.0.113.7");
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().expect("mapped");
        assert_eq!(address_key(mapped), "address:203.0.113.7");
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("v6");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("v6");
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key(a), "address:2001:db8:1:2::/64");
    }
}

//! Throttling of guesses: when a sign-in or a 核验码 look-up is answered without being
//! checked. The rule protects without locking others out: failures count per (login,
//! address), per address and per login, and a login's lockout reaches only the addresses
//! that failed on it, so the right password from an address with no failure on that login is
//! always checked. A document look-up (`/verify`) is counted apart from sign-in.

/// How long a failure counts.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures of one login from one address after which that address may not try it again.
pub const PER_LOGIN_AND_ADDRESS: i64 = 5;
/// Failures from one address, across logins, after which the address may not sign in.
pub const PER_ADDRESS: i64 = 30;
/// Failures of one login, across addresses, after which only addresses that never failed on
/// it are checked (guessing from many addresses at once).
pub const PER_LOGIN: i64 = 50;
/// Failed 核验码 look-ups from one address after which its look-ups are refused.
pub const VERIFY_PER_ADDRESS: i64 = 30;

/// What is throttled: each kind is counted on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SignIn,
    Verify,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::SignIn => "sign_in",
            Kind::Verify => "verify",
        }
    }
}

/// Failures within the window, counted for the attempt at hand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// Of this login from this address.
    pub login_and_address: i64,
    /// From this address, any login.
    pub address: i64,
    /// Of this login, any address.
    pub login: i64,
}

/// May this attempt be checked?
pub fn allows(kind: Kind, failures: Failures) -> bool {
    match kind {
        Kind::SignIn => {
            failures.login_and_address < PER_LOGIN_AND_ADDRESS
                && failures.address < PER_ADDRESS
                && (failures.login < PER_LOGIN || failures.login_and_address == 0)
        }
        Kind::Verify => failures.address < VERIFY_PER_ADDRESS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in(login_and_address: i64, address: i64, login: i64) -> bool {
        allows(
            Kind::SignIn,
            Failures {
                login_and_address,
                address,
                login,
            },
        )
    }

    #[test]
    fn an_address_is_stopped_on_a_login_it_keeps_failing() {
        assert!(sign_in(4, 4, 4));
        assert!(!sign_in(5, 5, 5));
    }

    #[test]
    fn an_address_failing_on_many_logins_is_stopped() {
        assert!(sign_in(0, 29, 0));
        assert!(!sign_in(0, 30, 0));
    }

    #[test]
    fn a_clean_address_is_always_checked_on_a_much_guessed_login() {
        assert!(sign_in(0, 0, 10_000));
        assert!(!sign_in(1, 1, PER_LOGIN));
        assert!(sign_in(1, 1, PER_LOGIN - 1));
    }

    #[test]
    fn look_ups_count_only_by_address() {
        let verify = |address| {
            allows(
                Kind::Verify,
                Failures {
                    address,
                    ..Failures::default()
                },
            )
        };
        assert!(verify(VERIFY_PER_ADDRESS - 1));
        assert!(!verify(VERIFY_PER_ADDRESS));
    }
}

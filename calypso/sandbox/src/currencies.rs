//! The currencies the sandbox accepts and the deposit addresses it makes up for them.
//!
//! The provider's guides say one multi-deposit address serves several currencies of the same
//! blockchain, and that EVM chains share one address string. So an address belongs to a customer
//! and an address family, and every currency of the family gets that same address.

use sha2::{Digest, Sha512};

/// A kind of address shared by the currencies of related chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum AddressFamily {
    /// Ethereum, BNB Smart Chain, Polygon: `0x` + 40 hex digits.
    Evm,
    /// Tron: `T` + 33 base58 characters.
    Tron,
    /// Bitcoin: bech32 `bc1q…`.
    Bitcoin,
    /// Litecoin: bech32 `ltc1q…`.
    Litecoin,
}

/// Every currency code the sandbox accepts, with its address family.
pub(crate) const CURRENCIES: &[(&str, AddressFamily)] = &[
    ("ETH", AddressFamily::Evm),
    ("USDT_ERC20", AddressFamily::Evm),
    ("USDC_ERC20", AddressFamily::Evm),
    ("BNB", AddressFamily::Evm),
    ("USDT_BSC", AddressFamily::Evm),
    ("USDC_BSC", AddressFamily::Evm),
    ("POL", AddressFamily::Evm),
    ("USDT_POLYGON", AddressFamily::Evm),
    ("TRX", AddressFamily::Tron),
    ("USDT_TRC20", AddressFamily::Tron),
    ("BTC", AddressFamily::Bitcoin),
    ("LTC", AddressFamily::Litecoin),
];

/// The family of `currency`, or `None` for a currency the sandbox does not know.
pub(crate) fn family_of(currency: &str) -> Option<AddressFamily> {
    CURRENCIES
        .iter()
        .find(|(code, _)| *code == currency)
        .map(|(_, family)| *family)
}

/// The family of a supported currency; for another code, why it is refused.
pub(crate) fn family_or_unsupported(currency: &str) -> Result<AddressFamily, String> {
    family_of(currency).ok_or_else(|| {
        format!(
            "unsupported currency `{currency}`; the sandbox supports {}",
            supported()
        )
    })
}

/// The supported codes, for error messages.
pub(crate) fn supported() -> String {
    CURRENCIES
        .iter()
        .map(|(code, _)| *code)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A made-up but well-formed address of `family`, derived from `seed` so that the same seed
/// always gives the same address.
pub(crate) fn address(family: AddressFamily, seed: &str) -> String {
    let digest = Sha512::digest(seed.as_bytes());
    let pick = |alphabet: &[u8], count: usize| -> String {
        digest
            .iter()
            .take(count)
            .map(|byte| char::from(alphabet[usize::from(*byte) % alphabet.len()]))
            .collect()
    };
    const HEX: &[u8] = b"0123456789abcdef";
    const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    match family {
        AddressFamily::Evm => {
            let hex: String = digest
                .iter()
                .take(20)
                .flat_map(|byte| [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 15)]])
                .map(char::from)
                .collect();
            format!("0x{hex}")
        }
        AddressFamily::Tron => format!("T{}", pick(BASE58, 33)),
        AddressFamily::Bitcoin => format!("bc1q{}", pick(BECH32, 38)),
        AddressFamily::Litecoin => format!("ltc1q{}", pick(BECH32, 38)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_well_formed_and_repeatable() {
        let evm = address(AddressFamily::Evm, "seed");
        assert_eq!(evm.len(), 42);
        assert!(evm.starts_with("0x"));
        assert!(evm[2..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(evm, address(AddressFamily::Evm, "seed"));
        assert_ne!(evm, address(AddressFamily::Evm, "other seed"));
        assert_eq!(address(AddressFamily::Tron, "seed").len(), 34);
        assert!(address(AddressFamily::Bitcoin, "seed").starts_with("bc1q"));
        assert!(address(AddressFamily::Litecoin, "seed").starts_with("ltc1q"));
    }

    #[test]
    fn currencies_of_one_family_share_it() {
        assert_eq!(family_of("ETH"), family_of("USDT_BSC"));
        assert_eq!(family_of("TRX"), Some(AddressFamily::Tron));
        assert_eq!(family_of("eth"), None);
        assert!(supported().starts_with("ETH, USDT_ERC20"));
    }
}

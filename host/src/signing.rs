//! Optional ed25519 signatures over plug-in modules. A licensing authority
//! that receives modules from policy authors can require, besides the
//! sha256 pin, a signature by a key it trusts: `[trust] keys` in
//! `attest.toml` and a `signature` file per registry entry.
//!
//! The signed message is a domain tag and the module's sha256. The
//! manifest lives inside the module (its custom section), so module and
//! manifest are signed together.

use crate::reference::hex;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;

const DOMAIN: &[u8] = b"attest-policy-module-v1\0";
/// Prefix of a public key in configuration files and output.
pub const KEY_PREFIX: &str = "ed25519:";

#[derive(Debug, PartialEq, Eq)]
pub struct SigningError(pub String);

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SigningError {}

fn message(module: &[u8]) -> Vec<u8> {
    let mut m = DOMAIN.to_vec();
    m.extend_from_slice(&Sha256::digest(module));
    m
}

fn unhex<const N: usize>(text: &str, what: &str) -> Result<[u8; N], SigningError> {
    let text = text.trim();
    let bad = || SigningError(format!("{what}: expected {} hexadecimal digits", N * 2));
    if text.len() != N * 2 {
        return Err(bad());
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// A new signing key from the operating system's randomness: the secret
/// (hex, to keep private) and the public key (`ed25519:hex`, to trust).
pub fn generate_key() -> Result<(String, String), SigningError> {
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed))
        .map_err(|e| SigningError(format!("no randomness: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    Ok((hex(&seed), public_key_text(&key.verifying_key())))
}

fn public_key_text(key: &VerifyingKey) -> String {
    format!("{KEY_PREFIX}{}", hex(key.as_bytes()))
}

/// The public key (`ed25519:hex`) of a secret key file's contents.
pub fn public_key_of(secret_hex: &str) -> Result<String, SigningError> {
    let key = SigningKey::from_bytes(&unhex::<32>(secret_hex, "secret key")?);
    Ok(public_key_text(&key.verifying_key()))
}

/// Signs a module with a secret key (hex); returns the signature as hex.
pub fn sign(module: &[u8], secret_hex: &str) -> Result<String, SigningError> {
    let key = SigningKey::from_bytes(&unhex::<32>(secret_hex, "secret key")?);
    Ok(hex(&key.sign(&message(module)).to_bytes()))
}

/// Parses a trusted public key written as `ed25519:hex`.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, SigningError> {
    let hex_part = text
        .trim()
        .strip_prefix(KEY_PREFIX)
        .ok_or_else(|| SigningError(format!("public key must start with {KEY_PREFIX}")))?;
    VerifyingKey::from_bytes(&unhex::<32>(hex_part, "public key")?)
        .map_err(|e| SigningError(format!("public key: {e}")))
}

/// Checks a signature (hex) over `module` against the trusted keys;
/// returns the key that signed it.
pub fn verify(
    module: &[u8],
    signature_hex: &str,
    trusted: &[VerifyingKey],
) -> Result<String, SigningError> {
    let signature = Signature::from_bytes(&unhex::<64>(signature_hex, "signature")?);
    let message = message(module);
    trusted
        .iter()
        .find(|key| key.verify_strict(&message, &signature).is_ok())
        .map(public_key_text)
        .ok_or_else(|| SigningError("the signature does not verify with any trusted key".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_the_same_bytes_and_a_trusted_key() {
        let (secret, public) = generate_key().unwrap();
        let module = b"\0asm\x01\0\0\0 example";
        let signature = sign(module, &secret).unwrap();
        let trusted = [parse_public_key(&public).unwrap()];
        assert_eq!(verify(module, &signature, &trusted).unwrap(), public);
        let mut tampered = module.to_vec();
        tampered[9] ^= 1;
        assert!(verify(&tampered, &signature, &trusted).is_err());
        let (_, other) = generate_key().unwrap();
        assert!(verify(module, &signature, &[parse_public_key(&other).unwrap()]).is_err());
        assert_eq!(public_key_of(&secret).unwrap(), public);
    }
}

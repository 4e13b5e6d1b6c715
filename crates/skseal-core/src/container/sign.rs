//! Signatures: the signed message, the trailer, checking a signature and
//! signing an existing file.

use std::io::Write;

use super::format::{Signature, FLAG_SIGNED, SIG_MAGIC, SIG_TRAILER};
use super::read::{Container, Header};
use crate::codec::Codec;
use crate::error::{ContainerError, SignatureError, SizeOverflow};
use crate::graphjson::unhex;

/// Domain-separation prefix of the signed message.
const SIG_DOMAIN: &[u8] = b"skseal signature v1\0";

/// The message an Ed25519 signature signs: a fixed prefix and the BLAKE3 of
/// the stored header. The header holds every array's digest and the content
/// fingerprint, so the signature covers the header and every array.
pub fn signed_message(header_hash: &[u8; 32]) -> Vec<u8> {
    let mut m = SIG_DOMAIN.to_vec();
    m.extend_from_slice(header_hash);
    m
}

fn trailer(signer: &ed25519_dalek::SigningKey, header_hash: &[u8; 32]) -> Vec<u8> {
    use ed25519_dalek::Signer;
    let sig = signer.sign(&signed_message(header_hash));
    let mut t = SIG_MAGIC.to_vec();
    t.extend_from_slice(signer.verifying_key().as_bytes());
    t.extend_from_slice(&sig.to_bytes());
    t
}

/// The public key and signature of a signature trailer.
pub fn parse_trailer(t: &[u8]) -> Result<([u8; 32], [u8; 64]), ContainerError> {
    if t.len() != SIG_TRAILER as usize || t[..8] != SIG_MAGIC {
        return Err(SignatureError::TrailerDamaged.into());
    }
    let mut pk = [0u8; 32];
    pk.copy_from_slice(&t[8..40]);
    let mut sig = [0u8; 64];
    sig.copy_from_slice(&t[40..104]);
    Ok((pk, sig))
}

impl Header {
    /// Check the embedded signature. With `expected`, the file must be signed
    /// by exactly that public key; without, any embedded signature must hold.
    pub fn verify_signature(&self, expected: Option<&[u8; 32]>) -> Result<(), ContainerError> {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let Some((pk, sig)) = &self.signature else {
            return match expected {
                Some(_) => Err(SignatureError::NotSigned.into()),
                None => Ok(()),
            };
        };
        if let Some(want) = expected {
            if want != pk {
                if let Some(e) = crate::keys::misused_secret(want, pk, "the key given") {
                    return Err(SignatureError::SecretKeyGiven(e.to_string()).into());
                }
                return Err(SignatureError::OtherKey {
                    found: crate::keys::key_id(pk),
                    wanted: crate::keys::key_id(want),
                }
                .into());
            }
        }
        let key = VerifyingKey::from_bytes(pk).map_err(|_| SignatureError::InvalidKey)?;
        let mut hh = [0u8; 32];
        let raw = unhex(&self.header_hash).unwrap_or_default();
        if raw.len() == 32 {
            hh.copy_from_slice(&raw);
        }
        key.verify(&signed_message(&hh), &Signature::from_bytes(sig))
            .map_err(|_| SignatureError::Modified.into())
    }
}

pub(super) fn append_signature<W: Write>(
    out: &mut W,
    signer: Option<&ed25519_dalek::SigningKey>,
    stored: &[u8],
) -> Result<Option<Signature>, ContainerError> {
    let Some(k) = signer else { return Ok(None) };
    let t = trailer(k, blake3::hash(stored).as_bytes());
    out.write_all(&t)?;
    let mut pk = [0u8; 32];
    pk.copy_from_slice(&t[8..40]);
    let mut sig = [0u8; 64];
    sig.copy_from_slice(&t[40..104]);
    Ok(Some((pk, sig)))
}

pub(super) fn with_signature(mut h: Header, sig: Option<Signature>) -> Header {
    if sig.is_some() {
        h.signed = true;
        h.file_len += SIG_TRAILER;
        h.signature = sig;
    }
    h
}

/// Sign an existing file: the same bytes with flag bit 1 set and a signature
/// trailer (replacing any previous signature). The header and every array
/// digest must check out first: a damaged file is never signed.
pub fn sign_bytes(
    data: &[u8],
    signer: &ed25519_dalek::SigningKey,
) -> Result<Vec<u8>, ContainerError> {
    let c = Container::parse(data)?;
    c.verify_raw_all()?;
    c.verify_padding()?;
    for (i, a) in c.header.arrays.iter().enumerate() {
        if a.codec != Codec::None {
            let mut buf = vec![
                0u8;
                usize::try_from(a.nbytes).map_err(|_| ContainerError::Overflow(
                    SizeOverflow::ArraySize {
                        array: i,
                        nbytes: a.nbytes,
                    }
                ))?
            ];
            c.decode_into(i, &mut buf)?;
        }
    }
    let body_len = (c.header.file_len - if c.header.signed { SIG_TRAILER } else { 0 }) as usize;
    let mut out = data[..body_len].to_vec();
    let flags = u32::from_le_bytes([out[12], out[13], out[14], out[15]]) | FLAG_SIGNED;
    out[12..16].copy_from_slice(&flags.to_le_bytes());
    let mut hh = [0u8; 32];
    hh.copy_from_slice(&data[24..56]);
    out.extend_from_slice(&trailer(signer, &hh));
    Ok(out)
}

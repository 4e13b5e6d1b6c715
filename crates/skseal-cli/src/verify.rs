//! `skseal verify`: every digest, the padding and the signature of a .skseal file.

use std::path::Path;

use serde_json::json;

use skseal_core::codec::Codec;
use skseal_core::container;
use skseal_core::inspect;
use skseal_core::Blob;

use crate::out::outln;
use crate::report::{document, print_json};
use crate::signing::read_key;

/// Ok(true) when intact, Ok(false) when something is wrong (reported), Err when unreadable.
pub fn verify(file: &Path, key: Option<&Path>, as_json: bool) -> Result<bool, String> {
    let want = key.map(read_key).transpose()?;
    let data = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let c = container::Container::parse(&data).map_err(|e| format!("{}: {e}", file.display()))?;
    let say = |line: String| {
        if !as_json {
            outln!("{line}");
        }
    };
    say(format!(
        "{}: header digest and content fingerprint OK",
        file.display()
    ));
    let paths = inspect::array_paths(&c.header.graph);
    let place = |i: usize| {
        paths
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or_else(|| format!("array {i}"))
    };
    // One report per damaged region: an array stored on its own, or a pack
    // (one compressed frame of many small arrays, all lost together).
    let mut damage: Vec<(Blob, Vec<usize>, String)> = Vec::new();
    let mut region_of_pack: std::collections::HashMap<u32, usize> = Default::default();
    for (i, a) in c.header.arrays.iter().enumerate() {
        let r = if a.codec == Codec::None {
            c.verify_raw(i)
        } else {
            match usize::try_from(a.nbytes) {
                Ok(n) => {
                    let mut buf = vec![0u8; n];
                    c.decode_into(i, &mut buf)
                }
                Err(_) => Err(skseal_core::ContainerError::Overflow(
                    skseal_core::SizeOverflow::ArraySize {
                        array: i,
                        nbytes: a.nbytes,
                    },
                )),
            }
        };
        let Err(e) = r else { continue };
        match a.pack {
            Some((p, _)) => match region_of_pack.get(&p) {
                Some(&k) => damage[k].1.push(i),
                None => {
                    region_of_pack.insert(p, damage.len());
                    damage.push((Blob::Pack(p as usize), vec![i], e.to_string()));
                }
            },
            None => damage.push((Blob::Array(i), vec![i], e.to_string())),
        }
    }
    let mut ok = damage.is_empty();
    for (region, arrays, why) in &damage {
        if arrays.len() == 1 && matches!(region, Blob::Array(_)) {
            say(format!("  {}: DAMAGED: {why}", place(arrays[0])));
        } else {
            let shown: Vec<String> = arrays.iter().take(3).map(|&i| place(i)).collect();
            let more = arrays.len().saturating_sub(shown.len());
            say(format!(
                "  {region} ({} damaged array(s): {}{}): DAMAGED: {why}",
                arrays.len(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
    }
    if ok {
        say(format!("  {} array digest(s) OK", c.header.arrays.len()));
    } else {
        let n: usize = damage.iter().map(|d| d.1.len()).sum();
        say(format!(
            "  {n} of {} array(s) damaged, in {} region(s)",
            c.header.arrays.len(),
            damage.len()
        ));
    }
    let padding = c.verify_padding().err().map(|e| e.to_string());
    if let Some(e) = &padding {
        ok = false;
        say(format!("  padding: {e}"));
    }
    let signature = inspect::signature_json(&c.header, want.as_ref());
    let key_id = signature["key_id"].as_str().unwrap_or_default();
    match signature["status"].as_str() {
        // The signature covers the header and its digests: with damaged
        // arrays it is valid, but the file is not what was signed.
        Some("valid") if want.is_some() && ok => say(format!(
            "  signature OK: signed by the trusted key (key ID {key_id})"
        )),
        Some("valid") if want.is_some() => say(format!(
            "  signed by the trusted key (key ID {key_id}), but the arrays above do not \
             match the digests it signed: the file is damaged, not as signed"
        )),
        Some("valid") => say(format!(
            "  signed by key ID {key_id}; the signature is valid over the header and its \
             digests{}, but it was NOT checked against a trusted key (pass --key \
             KEY.pub to require the signer)",
            if ok {
                ""
            } else {
                " (the arrays above do not match them)"
            }
        )),
        Some("not signed") => say("  not signed".into()),
        _ => {
            ok = false;
            say(format!(
                "  signature: {}",
                signature["error"]
                    .as_str()
                    .unwrap_or("the trailer could not be read")
            ));
        }
    }
    if as_json {
        print_json(&document(
            "verify",
            json!({
                "path": file.display().to_string(),
                "format": "skseal",
                "status": if ok { "intact" } else { "damaged" },
                "fingerprint": c.header.fingerprint,
                "arrays": c.header.arrays.len(),
                "damage": damage.iter().map(|(region, arrays, why)| json!({
                    "region": region.to_string(),
                    "arrays": arrays,
                    "paths": arrays.iter().map(|&i| place(i)).collect::<Vec<_>>(),
                    "error": why,
                })).collect::<Vec<_>>(),
                "padding": padding,
                "signature": signature,
            }),
        ));
    }
    Ok(ok)
}

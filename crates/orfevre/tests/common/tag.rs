//! A genuine NTAG 424 DNA's side of a tap (NXP AN12196, AES, no file data): the URL it mirrors
//! at a counter. Shared by the twin tests and the `tap_load` example (`#[path]`).

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;
use cmac::{Cmac, Mac};

/// `{base}/t?picc_data=…&cmac=…` for a tag with these keys and 7-byte UID at `counter`.
pub fn tap_url(base: &str, meta: &[u8; 16], file: &[u8; 16], uid: &[u8], counter: u32) -> String {
    let ctr = &counter.to_le_bytes()[..3];
    let mut picc = [0u8; 16];
    picc[0] = 0xc7;
    picc[1..8].copy_from_slice(uid);
    picc[8..11].copy_from_slice(ctr);
    let mut block = aes::Block::from(picc);
    Aes128::new(meta.into()).encrypt_block(&mut block);
    let mut sv2 = vec![0x3c, 0xc3, 0x00, 0x01, 0x00, 0x80];
    sv2.extend_from_slice(uid);
    sv2.extend_from_slice(ctr);
    let mut m = <Cmac<Aes128> as Mac>::new_from_slice(file).expect("16-byte key");
    m.update(&sv2);
    let k_mac = m.finalize().into_bytes();
    let full = <Cmac<Aes128> as Mac>::new_from_slice(&k_mac).expect("16-byte key").finalize().into_bytes();
    let mac: Vec<u8> = (1..16).step_by(2).map(|i| full[i]).collect();
    format!("{base}/t?picc_data={}&cmac={}", hex::encode_upper(block), hex::encode_upper(mac))
}

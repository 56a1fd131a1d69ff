//! CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib and PNG.

const TABLE: [u32; 256] = table();

#[allow(clippy::indexing_slicing)] // const evaluation: an out-of-range index fails the build
const fn table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

/// A running CRC-32.
#[derive(Clone, Copy, Debug)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    /// Starts a CRC.
    pub const fn new() -> Self {
        Crc32(0xFFFF_FFFF)
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let entry = TABLE
                .get(usize::from((self.0 as u8) ^ b))
                .copied()
                .unwrap_or(0);
            self.0 = entry ^ (self.0 >> 8);
        }
    }

    /// The CRC of everything fed so far.
    pub fn finish(self) -> u32 {
        !self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Crc32;

    #[test]
    fn check_value() {
        // The CRC-32 "check" value of the catalogue of parametrised CRC
        // algorithms (reveng, CRC-32/ISO-HDLC): CRC of b"123456789".
        let mut c = Crc32::new();
        c.update(b"123456789");
        assert_eq!(c.finish(), 0xCBF4_3926);
    }
}

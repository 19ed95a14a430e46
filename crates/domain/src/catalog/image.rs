//! Product images: content sniffing and safe storage keys.

use std::fmt;

use uuid::Uuid;

use crate::error::FieldError;

/// An accepted image format, decided by content alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    Png,
    /// WebP (`RIFF`, a 4-byte size, `WEBP`).
    Webp,
}

/// An upload that decoded as an image: its format and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format, read from the content.
    pub kind: ImageType,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ImageInfo {
    /// The longest side accepted, in pixels.
    pub const MAX_SIDE: u32 = 16_384;

    /// Whether both sides are within 1..=[`ImageInfo::MAX_SIDE`].
    pub fn has_sane_size(&self) -> bool {
        (1..=Self::MAX_SIDE).contains(&self.width) && (1..=Self::MAX_SIDE).contains(&self.height)
    }
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

impl ImageType {
    /// Every accepted format.
    pub const ALL: [ImageType; 3] = [ImageType::Jpeg, ImageType::Png, ImageType::Webp];

    /// The format named by the magic bytes at the start of `bytes`; file
    /// names and declared content types are never consulted. `None` for
    /// anything else (GIF, SVG, text, truncated headers...).
    pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(&PNG_SIGNATURE) {
            Some(ImageType::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageType::Webp)
        } else {
            None
        }
    }

    /// The MIME type to serve it with, e.g. `image/png`.
    pub fn content_type(&self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
            ImageType::Webp => "image/webp",
        }
    }

    /// The file extension used in storage keys: `jpg`, `png` or `webp`.
    pub fn extension(&self) -> &'static str {
        match self {
            ImageType::Jpeg => "jpg",
            ImageType::Png => "png",
            ImageType::Webp => "webp",
        }
    }

    /// The format whose [`extension`](Self::extension) is exactly `ext`.
    pub fn from_extension(ext: &str) -> Option<ImageType> {
        Self::ALL.into_iter().find(|t| t.extension() == ext)
    }
}

/// The name a file is stored under: 1..=64 characters of `[a-z0-9]`, a
/// `.`, and `jpg`, `png` or `webp`. Nothing else is admitted, so a key can
/// never climb out of its directory (`..`, `/`, `\`, `%`, NUL...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StorageKey {
    key: String,
    image_type: ImageType,
}

impl StorageKey {
    /// The longest stem (the part before the `.`).
    pub const MAX_STEM_LEN: usize = 64;

    /// A fresh, unguessable key: a random (v4) UUID in simple form plus
    /// the extension of `image_type`.
    pub fn generate(image_type: ImageType) -> Self {
        Self {
            key: format!("{}.{}", Uuid::new_v4().simple(), image_type.extension()),
            image_type,
        }
    }

    /// Validates a key, e.g. one taken from a URL path.
    ///
    /// # Errors
    /// A [`FieldError`] on `key` for anything but `[a-z0-9]{1,64}.(jpg|png|webp)`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let image_type = raw.split_once('.').and_then(|(stem, ext)| {
            let stem_ok = (1..=Self::MAX_STEM_LEN).contains(&stem.len())
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            ImageType::from_extension(ext).filter(|_| stem_ok)
        });
        match image_type {
            Some(image_type) => Ok(Self {
                key: raw.to_owned(),
                image_type,
            }),
            None => Err(FieldError::new("key", "is not a valid storage key")),
        }
    }

    /// The key, e.g. `0190f1c2....png`.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The format its extension names.
    pub fn image_type(&self) -> ImageType {
        self.image_type
    }
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

/// A stored file as read back from [`crate::catalog::FileStorage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its format (gives the `Content-Type`).
    pub content_type: ImageType,
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG_JFIF: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    const JPEG_RAW: &[u8] = &[0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43];
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
    ];
    const WEBP: &[u8] = b"RIFF\x24\x00\x00\x00WEBPVP8 ";

    #[test]
    fn real_magic_bytes_are_recognised() {
        assert_eq!(ImageType::sniff(JPEG_JFIF), Some(ImageType::Jpeg));
        assert_eq!(ImageType::sniff(JPEG_RAW), Some(ImageType::Jpeg));
        assert_eq!(ImageType::sniff(&JPEG_RAW[..3]), Some(ImageType::Jpeg));
        assert_eq!(ImageType::sniff(PNG), Some(ImageType::Png));
        assert_eq!(ImageType::sniff(&PNG[..8]), Some(ImageType::Png));
        assert_eq!(ImageType::sniff(WEBP), Some(ImageType::Webp));
        assert_eq!(ImageType::sniff(&WEBP[..12]), Some(ImageType::Webp));
    }

    #[test]
    fn the_content_decides_not_the_name_a_png_meant_as_jpg_is_a_png() {
        let sniffed = ImageType::sniff(PNG).unwrap();
        assert_eq!(sniffed, ImageType::Png);
        assert_eq!(sniffed.content_type(), "image/png");
        assert!(StorageKey::generate(sniffed).as_str().ends_with(".png"));
    }

    #[test]
    fn lookalikes_other_formats_and_truncated_headers_are_not_images() {
        let mut png_one_byte_off = PNG.to_vec();
        png_one_byte_off[5] = 0x0D;
        let mut leading_junk = vec![0_u8];
        leading_junk.extend_from_slice(PNG);
        for bad in [
            &b""[..],
            b"GIF89a\x01\x00\x01\x00",
            b"GIF87a\x01\x00\x01\x00",
            b"BM\x36\x00\x00\x00",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"hello, world",
            b"%PDF-1.7",
            &[0xFF, 0xD8],
            &[0xFF, 0xD8, 0x00, 0xE0],
            &PNG[..7],
            &png_one_byte_off,
            &leading_junk,
            b"RIFF\x24\x00\x00\x00WAVEfmt ",
            b"RIFF\x24\x00\x00\x00WEB",
            b"RIFF\x24\x00\x00\x00WEBM",
            b"RIFFWEBP\x00\x00\x00\x00",
            b"riff\x24\x00\x00\x00webp",
        ] {
            assert_eq!(ImageType::sniff(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn each_type_has_its_content_type_and_extension() {
        let table = [
            (ImageType::Jpeg, "image/jpeg", "jpg"),
            (ImageType::Png, "image/png", "png"),
            (ImageType::Webp, "image/webp", "webp"),
        ];
        for (t, mime, ext) in table {
            assert_eq!((t.content_type(), t.extension()), (mime, ext));
            assert_eq!(ImageType::from_extension(ext), Some(t));
        }
        assert_eq!(ImageType::from_extension("jpeg"), None);
        assert_eq!(ImageType::from_extension("PNG"), None);
    }

    #[test]
    fn generated_keys_are_valid_unique_and_carry_the_extension() {
        for t in ImageType::ALL {
            let a = StorageKey::generate(t);
            let b = StorageKey::generate(t);
            assert_ne!(a, b);
            assert_eq!(StorageKey::parse(a.as_str()).unwrap(), a);
            assert_eq!(a.image_type(), t);
            assert!(a.as_str().ends_with(&format!(".{}", t.extension())));
        }
    }

    #[test]
    fn keys_accept_only_short_lower_alphanumeric_stems_and_known_extensions() {
        for good in [
            "a.png",
            "0123.jpg",
            "abc9.webp",
            &format!("{}.png", "a".repeat(64)),
        ] {
            assert_eq!(StorageKey::parse(good).unwrap().as_str(), good);
        }
        assert_eq!(
            StorageKey::parse("x.webp").unwrap().image_type(),
            ImageType::Webp
        );
    }

    #[test]
    fn keys_that_could_escape_or_mislead_are_rejected() {
        for bad in [
            "",
            ".png",
            "a",
            "a.",
            "../x.png",
            "..png",
            "a/b.png",
            "a\\b.png",
            "/etc/passwd",
            "%2e%2e.png",
            "x.gif",
            "x.svg",
            "x.jpeg",
            "X.png",
            "x.PNG",
            "a.png.jpg",
            "a.png/",
            " a.png",
            "a.png\0",
            "a-b.png",
            "a_b.png",
            "é.png",
            &format!("{}.png", "a".repeat(65)),
        ] {
            assert_eq!(StorageKey::parse(bad).unwrap_err().field, "key", "{bad:?}");
        }
    }
}

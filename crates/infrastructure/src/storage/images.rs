//! [`ImageDecoder`] with the `image` crate's format readers (JPEG, PNG, WebP
//! only), on the blocking pool.

use std::io::Cursor;

use async_trait::async_trait;
use image::{ImageFormat, ImageReader, Limits};
use keel_domain::catalog::{ImageDecoder, ImageInfo, ImageType};

/// Decodes the whole image (with an allocation limit, so a small file that
/// claims a huge canvas cannot take the memory) and checks that nothing
/// follows the format's end marker.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageCrateDecoder;

/// The most memory a decode may allocate: a full 16384 × 16384 RGBA canvas
/// is 1 GiB, so big canvases are refused by this before the side limit.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

fn format_of(kind: ImageType) -> ImageFormat {
    match kind {
        ImageType::Jpeg => ImageFormat::Jpeg,
        ImageType::Png => ImageFormat::Png,
        ImageType::Webp => ImageFormat::WebP,
    }
}

/// Whether the bytes stop where the format says the image ends: PNG after
/// its `IEND` chunk, JPEG at its end-of-image marker, WebP at the length its
/// RIFF header declares. Catches a valid image with HTML or a script after it.
fn ends_cleanly(kind: ImageType, bytes: &[u8]) -> bool {
    const IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
    match kind {
        ImageType::Png => bytes.ends_with(&IEND),
        ImageType::Jpeg => bytes.ends_with(&[0xFF, 0xD9]),
        ImageType::Webp => bytes
            .get(4..8)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .and_then(|declared| usize::try_from(declared).ok())
            .is_some_and(|declared| {
                // RIFF pads odd chunk lengths with one byte.
                let total = 8 + declared;
                bytes.len() == total || bytes.len() == total + (declared & 1)
            }),
    }
}

/// The checks, synchronously.
pub fn inspect_now(bytes: &[u8]) -> Option<ImageInfo> {
    let kind = ImageType::sniff(bytes)?;
    if !ends_cleanly(kind, bytes) {
        return None;
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format_of(kind));
    let mut limits = Limits::default();
    limits.max_image_width = Some(ImageInfo::MAX_SIDE);
    limits.max_image_height = Some(ImageInfo::MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let info = ImageInfo {
        kind,
        width: image.width(),
        height: image.height(),
    };
    info.has_sane_size().then_some(info)
}

#[async_trait]
impl ImageDecoder for ImageCrateDecoder {
    async fn inspect(&self, bytes: &[u8]) -> Option<ImageInfo> {
        let owned = bytes.to_vec();
        tokio::task::spawn_blocking(move || inspect_now(&owned))
            .await
            .ok()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use image::{ImageBuffer, Rgb};

    use super::*;

    fn encoded(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
        let img = ImageBuffer::from_pixel(width, height, Rgb([200u8, 30, 30]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn real_images_of_each_format_decode_with_their_size() {
        for (format, kind) in [
            (ImageFormat::Png, ImageType::Png),
            (ImageFormat::Jpeg, ImageType::Jpeg),
            (ImageFormat::WebP, ImageType::Webp),
        ] {
            let info = inspect_now(&encoded(format, 3, 2)).unwrap_or_else(|| panic!("{kind:?}"));
            assert_eq!((info.kind, info.width, info.height), (kind, 3, 2));
        }
    }

    #[test]
    fn an_image_with_html_appended_is_not_an_image() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP] {
            let mut bytes = encoded(format, 2, 2);
            bytes.extend_from_slice(b"<html><script>alert(1)</script></html>");
            assert_eq!(inspect_now(&bytes), None, "{format:?}");
        }
    }

    #[test]
    fn a_signature_alone_or_a_truncated_image_is_not_an_image() {
        let mut fake = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        fake.extend_from_slice(&[0u8; 64]);
        assert_eq!(inspect_now(&fake), None);
        let png = encoded(ImageFormat::Png, 4, 4);
        assert_eq!(inspect_now(&png[..png.len() / 2]), None);
        assert_eq!(inspect_now(b"GIF89a"), None);
    }

    #[test]
    fn a_canvas_beyond_the_limits_is_refused_without_allocating_it() {
        // A valid PNG header that declares 100000 x 1 pixels.
        let wide = encoded(ImageFormat::Png, ImageInfo::MAX_SIDE + 1, 1);
        assert_eq!(inspect_now(&wide), None);
    }
}

//! Pixel comparison of two screenshots: PNGs decoded (by the `png` crate) to 8-bit
//! RGBA, the share of pixels that differ beyond a per-channel tolerance, and a diff
//! image that shows where.

use std::io::Cursor;

/// A decoded image: 8-bit RGBA, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub rgba: Vec<u8>,
}

/// Why a PNG could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PixelError {
    /// Not a PNG the decoder reads.
    #[error("not a readable PNG: {0}")]
    Decode(#[from] png::DecodingError),
    /// The diff image could not be encoded.
    #[error("cannot encode the diff PNG: {0}")]
    Encode(#[from] png::EncodingError),
    /// A color layout the screenshots never have (decoding expands palettes).
    #[error("unsupported PNG color type {0:?}")]
    ColorType(png::ColorType),
}

/// How two images differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelDiff {
    /// Pixels that differ (every pixel outside the other image's bounds counts).
    pub changed: u64,
    /// Pixels compared: the area of the union of both images' bounds.
    pub pixels: u64,
    /// Whether both images have the same width and height.
    pub same_size: bool,
    /// Changed pixels red over a faded copy of the candidate.
    pub image: Image,
}

impl PixelDiff {
    /// The share of pixels that changed, from 0 to 1.
    pub fn fraction(&self) -> f64 {
        if self.pixels == 0 {
            0.0
        } else {
            self.changed as f64 / self.pixels as f64
        }
    }

    /// Whether the rendering changed: another size, or more than `threshold` (a
    /// share, e.g. 0.01) of the pixels.
    pub fn changed_beyond(&self, threshold: f64) -> bool {
        !self.same_size || self.fraction() > threshold
    }
}

/// Decodes a PNG to 8-bit RGBA, whatever its bit depth or color type.
pub fn decode(bytes: &[u8]) -> Result<Image, PixelError> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info()?;
    let (color, _) = reader.output_color_type();
    let size = reader
        .output_buffer_size()
        .ok_or(PixelError::ColorType(color))?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        other => return Err(PixelError::ColorType(other)),
    };
    Ok(Image {
        width: info.width,
        height: info.height,
        rgba,
    })
}

/// Encodes an image as an RGBA PNG.
pub fn encode(image: &Image) -> Result<Vec<u8>, PixelError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&image.rgba)?;
    writer.finish()?;
    Ok(out)
}

/// Compares `baseline` with `candidate` pixel by pixel over the union of their bounds:
/// a pixel differs when any channel (alpha included) differs by more than `tolerance`,
/// or when only one image covers it. Anti-aliasing and font hinting move channels by a
/// few units between two renders of the same page; the tolerance absorbs that.
pub fn diff(baseline: &Image, candidate: &Image, tolerance: u8) -> PixelDiff {
    let width = baseline.width.max(candidate.width);
    let height = baseline.height.max(candidate.height);
    let pixel = |image: &Image, x: u32, y: u32| -> Option<[u8; 4]> {
        if x >= image.width || y >= image.height {
            return None;
        }
        let at = (y as usize * image.width as usize + x as usize) * 4;
        image
            .rgba
            .get(at..at + 4)
            .and_then(|p| <[u8; 4]>::try_from(p).ok())
    };
    let mut changed = 0;
    let mut rgba = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..height {
        for x in 0..width {
            let (a, b) = (pixel(baseline, x, y), pixel(candidate, x, y));
            let differs = match (a, b) {
                (Some(a), Some(b)) => a.iter().zip(b).any(|(p, q)| p.abs_diff(q) > tolerance),
                _ => true,
            };
            if differs {
                changed += 1;
                rgba.extend_from_slice(&[255, 0, 0, 255]);
            } else {
                // Unchanged: the candidate's pixel, faded to a light grey so the red
                // stands out and the page stays recognisable.
                let [r, g, b, _] = b.unwrap_or([255; 4]);
                let luma = (u32::from(r) * 3 + u32::from(g) * 6 + u32::from(b)) / 10;
                let faded = (192 + luma / 4).min(255) as u8;
                rgba.extend_from_slice(&[faded, faded, faded, 255]);
            }
        }
    }
    PixelDiff {
        changed,
        pixels: u64::from(width) * u64::from(height),
        same_size: baseline.width == candidate.width && baseline.height == candidate.height,
        image: Image {
            width,
            height,
            rgba,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `width` x `height` image of one color.
    fn plain(width: u32, height: u32, color: [u8; 4]) -> Image {
        Image {
            width,
            height,
            rgba: color.repeat(width as usize * height as usize),
        }
    }

    #[test]
    fn an_image_survives_encoding_and_decoding() -> Result<(), PixelError> {
        let mut image = plain(3, 2, [10, 20, 30, 255]);
        image.rgba[4..8].copy_from_slice(&[200, 100, 50, 128]);
        assert_eq!(decode(&encode(&image)?)?, image);
        Ok(())
    }

    #[test]
    fn rgb_and_grey_pngs_decode_to_opaque_rgba() -> Result<(), PixelError> {
        for (color, samples, expected) in [
            (png::ColorType::Rgb, vec![1, 2, 3], [1, 2, 3, 255]),
            (png::ColorType::Grayscale, vec![9], [9, 9, 9, 255]),
            (png::ColorType::GrayscaleAlpha, vec![9, 7], [9, 9, 9, 7]),
        ] {
            let mut bytes = Vec::new();
            let mut encoder = png::Encoder::new(&mut bytes, 1, 1);
            encoder.set_color(color);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header()?;
            writer.write_image_data(&samples)?;
            writer.finish()?;
            assert_eq!(decode(&bytes)?.rgba, expected, "{color:?}");
        }
        Ok(())
    }

    #[test]
    fn identical_images_do_not_differ_and_small_channel_noise_is_tolerated() {
        let a = plain(4, 4, [100, 100, 100, 255]);
        let same = diff(&a, &a, 0);
        assert_eq!((same.changed, same.pixels, same.same_size), (0, 16, true));
        assert!(!same.changed_beyond(0.01));
        let noisy = plain(4, 4, [103, 98, 100, 255]);
        assert_eq!(diff(&a, &noisy, 8).changed, 0);
        assert_eq!(diff(&a, &noisy, 2).changed, 16);
    }

    #[test]
    fn changed_pixels_are_counted_and_painted_red() {
        let a = plain(10, 10, [255, 255, 255, 255]);
        let mut b = a.clone();
        b.rgba[0..4].copy_from_slice(&[0, 0, 0, 255]);
        b.rgba[396..400].copy_from_slice(&[0, 0, 0, 255]);
        let found = diff(&a, &b, 8);
        assert_eq!(found.changed, 2);
        assert!((found.fraction() - 0.02).abs() < 1e-9);
        assert!(found.changed_beyond(0.01));
        assert!(!found.changed_beyond(0.05));
        assert_eq!(&found.image.rgba[0..4], &[255, 0, 0, 255]);
        assert_eq!(&found.image.rgba[4..8], &[255, 255, 255, 255]);
    }

    #[test]
    fn another_size_is_a_change_whatever_the_threshold() {
        let a = plain(4, 4, [0, 0, 0, 255]);
        let b = plain(4, 5, [0, 0, 0, 255]);
        let found = diff(&a, &b, 8);
        assert!(!found.same_size);
        assert_eq!((found.changed, found.pixels), (4, 20));
        assert!(found.changed_beyond(0.5));
        assert_eq!((found.image.width, found.image.height), (4, 5));
    }

    #[test]
    fn garbage_is_a_decoding_error() {
        assert!(matches!(decode(b"not a png"), Err(PixelError::Decode(_))));
    }
}

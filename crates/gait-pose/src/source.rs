//! Where frames come from: a video decoded by the `ffmpeg` program (turned upright as phones
//! record it, each frame with its own time), a folder of PNG and JPEG pictures, or pictures
//! already in memory.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;

use gait_io::FileError;

use crate::error::{Error, Result};
use crate::frame::Frame;

/// The path errors and tracks name for frames held in memory.
const IN_MEMORY: &str = "<frames in memory>";

/// File name endings read as pictures.
const IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// Frames in order, each with its time in seconds.
pub enum FrameSource<'a> {
    /// A video decoded by ffmpeg.
    Video(Video),
    /// Pictures of a folder in name order, at a fixed rate.
    Images {
        /// The picture files.
        files: Vec<PathBuf>,
        /// Frames per second given to them.
        fps: f64,
        /// The next picture's index.
        next: usize,
        /// The first picture's size, `[width, height]`: every other must have it.
        size: Option<[usize; 2]>,
    },
    /// Pictures already in memory ([`FrameSource::frames`]), at a fixed rate.
    Frames {
        /// The pictures not yet taken.
        frames: std::vec::IntoIter<Frame<'a>>,
        /// How many pictures there are.
        count: usize,
        /// Frames per second given to them.
        fps: f64,
    },
}

impl<'a> FrameSource<'a> {
    /// Frames of the video file, or of the pictures in the folder (shown at `fps`) at `path`.
    pub fn open(path: &Path, fps: f64) -> Result<FrameSource<'static>> {
        if path.is_dir() {
            let files = image_files(path)?;
            if files.is_empty() {
                return Err(Error::Video {
                    path: path.to_path_buf(),
                    reason: "the folder holds no .png or .jpg pictures".into(),
                });
            }
            if !(fps.is_finite() && fps > 0.0) {
                return Err(Error::Video {
                    path: path.to_path_buf(),
                    reason: format!("frames per second must be positive, not {fps}"),
                });
            }
            return Ok(FrameSource::Images {
                files,
                fps,
                next: 0,
                size: None,
            });
        }
        Video::open(path).map(FrameSource::Video)
    }

    /// `frames`, pictures another program decoded, shown at `fps`; all of one size (one camera).
    pub fn frames(frames: Vec<Frame<'a>>, fps: f64) -> Result<FrameSource<'a>> {
        let refuse = |reason: String| {
            Err(Error::Video {
                path: PathBuf::from(IN_MEMORY),
                reason,
            })
        };
        if let Some(first) = frames.first()
            && let Some((k, other)) = frames
                .iter()
                .enumerate()
                .find(|(_, f)| (f.width(), f.height()) != (first.width(), first.height()))
        {
            return refuse(format!(
                "frame {k} is {}x{} pixels, frame 0 {}x{}: a clip's frames come from one camera",
                other.width(),
                other.height(),
                first.width(),
                first.height()
            ));
        }
        if !(fps.is_finite() && fps > 0.0) {
            return refuse(format!("frames per second must be positive, not {fps}"));
        }
        Ok(FrameSource::Frames {
            count: frames.len(),
            frames: frames.into_iter(),
            fps,
        })
    }

    /// The file or folder the frames come from.
    pub fn path(&self) -> &Path {
        match self {
            FrameSource::Video(v) => &v.path,
            FrameSource::Images { files, .. } => files[0].parent().unwrap_or(Path::new(".")),
            FrameSource::Frames { .. } => Path::new(IN_MEMORY),
        }
    }

    /// After the last frame: what could not be decoded, if anything, as a sentence with the
    /// counts: a video that ends before the frames its container announces, or whose decoding
    /// ffmpeg reported errors in (a cut or damaged file). `None` for a whole video and for
    /// pictures (each is read or refused).
    pub fn damage(&mut self) -> Option<String> {
        match self {
            FrameSource::Video(v) => v.damage(),
            FrameSource::Images { .. } | FrameSource::Frames { .. } => None,
        }
    }

    /// Degrees the frames are turned upright by, from a video's rotation metadata (0 for
    /// pictures, and for videos without it).
    pub fn rotation(&self) -> i32 {
        match self {
            FrameSource::Video(v) => v.rotation,
            FrameSource::Images { .. } | FrameSource::Frames { .. } => 0,
        }
    }

    /// The number of frames, when known before decoding (pictures; videos whose container says).
    pub fn len_hint(&self) -> Option<usize> {
        match self {
            FrameSource::Video(v) => v.frames_hint,
            FrameSource::Images { files, .. } => Some(files.len()),
            FrameSource::Frames { count, .. } => Some(*count),
        }
    }
}

impl<'a> Iterator for FrameSource<'a> {
    type Item = Result<(Frame<'a>, f64)>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            FrameSource::Video(v) => v.next_frame().transpose(),
            FrameSource::Images {
                files,
                fps,
                next,
                size,
            } => {
                let path = files.get(*next)?;
                let index = *next;
                *next += 1;
                let frame = match read_image(path, index) {
                    Ok(frame) => frame,
                    Err(e) => return Some(Err(e)),
                };
                // Pictures of another size are another camera's: one clip is one camera.
                let this = [frame.width(), frame.height()];
                let first = *size.get_or_insert(this);
                if this != first {
                    return Some(Err(Error::Image {
                        path: path.clone(),
                        reason: format!(
                            "{}x{} pixels, where the folder's first picture has {}x{}: a clip's pictures come from one camera",
                            this[0], this[1], first[0], first[1]
                        ),
                    }));
                }
                Some(Ok((frame, index as f64 / *fps)))
            }
            FrameSource::Frames { frames, count, fps } => {
                let index = *count - frames.len();
                frames.next().map(|frame| Ok((frame, index as f64 / *fps)))
            }
        }
    }
}

/// The pictures of a folder, sorted by name with numbers compared as numbers
/// (`frame_2.png` before `frame_10.png`).
pub fn image_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| FileError::new(dir.to_path_buf(), source))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| FileError::new(dir.to_path_buf(), source))?
            .path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if path.is_file() && ext.is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str())) {
            files.push(path);
        }
    }
    files.sort_by_cached_key(|p| natural_key(&p.file_name().unwrap_or_default().to_string_lossy()));
    Ok(files)
}

/// A sort key that orders runs of digits by their value.
fn natural_key(name: &str) -> Vec<(String, u128)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut chars = name.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut digits = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(d);
                chars.next();
            }
            key.push((std::mem::take(&mut text), digits.parse().unwrap_or(u128::MAX)));
        } else {
            text.push(c);
            chars.next();
        }
    }
    key.push((text, 0));
    key
}

/// Decodes one PNG or JPEG picture.
pub fn read_image(path: &Path, index: usize) -> Result<Frame<'static>> {
    let image = image::open(path)
        .map_err(|e| Error::Image {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?
        .into_rgb8();
    let (w, h) = (image.width() as usize, image.height() as usize);
    Frame::new(w, h, image.into_raw(), index)
}

/// A video being decoded by an `ffmpeg` child process: frames come as PPM pictures on its output,
/// their times from its `showinfo` filter on its error stream.
pub struct Video {
    path: PathBuf,
    child: Child,
    stdout: BufReader<ChildStdout>,
    /// Lines of ffmpeg's error stream: frame times, and messages.
    log: mpsc::Receiver<String>,
    frames_hint: Option<usize>,
    /// Degrees the frames are turned by, from the video's rotation metadata.
    rotation: i32,
    index: usize,
    /// ffmpeg's messages that are not frame times, for the error if it fails.
    messages: Vec<String>,
}

/// What `ffprobe` tells of the stream of a video to decode.
struct Probe {
    /// The stream, as ffmpeg's `-map` names it.
    map: String,
    /// The frames its container announces.
    frames: Option<usize>,
    /// Its rotation metadata in degrees (ffmpeg turns the frames upright by it).
    rotation: i32,
}

/// The stream of `path` to decode: of the video streams that are not cover pictures, the one
/// with the most packets (the first of equals), so that a still picture stored before the film is
/// passed over. Without `ffprobe` (looked for beside `ffmpeg`), the first video stream, frames
/// and rotation unknown.
fn probe(ffmpeg: &std::ffi::OsStr, path: &Path) -> Probe {
    let beside = Path::new(ffmpeg)
        .parent()
        .is_some_and(|p| !p.as_os_str().is_empty());
    let ffprobe = if beside {
        Path::new(ffmpeg).with_file_name("ffprobe").into_os_string()
    } else {
        "ffprobe".into()
    };
    let listed = Command::new(ffprobe)
        .args([
            "-v",
            "error",
            "-count_packets",
            "-select_streams",
            "v",
            "-show_entries",
        ])
        .arg("stream=index,nb_frames,nb_read_packets:stream_disposition=attached_pic:stream_side_data=rotation")
        .args(["-of", "default=nw=1"])
        .arg(path)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    let first = Probe {
        map: "0:v:0".into(),
        frames: None,
        rotation: 0,
    };
    let Ok(listed) = listed else {
        return first;
    };
    // One `index=` line opens each stream; its other fields follow it.
    struct Stream {
        index: usize,
        frames: Option<usize>,
        packets: usize,
        cover: bool,
        rotation: i32,
    }
    let mut streams: Vec<Stream> = Vec::new();
    for line in String::from_utf8_lossy(&listed.stdout).lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key == "index" {
            if let Ok(index) = value.parse() {
                streams.push(Stream {
                    index,
                    frames: None,
                    packets: 0,
                    cover: false,
                    rotation: 0,
                });
            }
            continue;
        }
        let Some(stream) = streams.last_mut() else {
            continue;
        };
        match key {
            "nb_frames" => stream.frames = value.parse().ok(),
            "nb_read_packets" => stream.packets = value.parse().unwrap_or(0),
            "DISPOSITION:attached_pic" => stream.cover = value == "1",
            "rotation" => stream.rotation = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    let chosen = streams
        .iter()
        .filter(|s| !s.cover)
        .fold(None::<&Stream>, |best, s| match best {
            Some(b) if b.packets >= s.packets => Some(b),
            _ => Some(s),
        });
    match chosen {
        Some(s) => Probe {
            map: format!("0:{}", s.index),
            frames: s.frames,
            rotation: s.rotation,
        },
        None => first,
    }
}

impl Video {
    /// Starts decoding the video at `path` with the `ffmpeg` found on `PATH`.
    pub fn open(path: &Path) -> Result<Video> {
        Video::open_with(path, "ffmpeg".as_ref())
    }

    /// Starts decoding the video at `path` with the ffmpeg program `ffmpeg` (a name looked up on
    /// `PATH`, or a path); `ffprobe` beside it, if any, gives the frame count ahead.
    pub fn open_with(path: &Path, ffmpeg: &std::ffi::OsStr) -> Result<Video> {
        if !path.is_file() {
            let source = std::fs::metadata(path)
                .err()
                .unwrap_or_else(|| std::io::Error::other("not a file"));
            return Err(FileError::new(path.to_path_buf(), source).into());
        }
        let probe = probe(ffmpeg, path);
        let mut child = Command::new(ffmpeg)
            .args(["-nostdin", "-hide_banner", "-loglevel", "info", "-i"])
            .arg(path)
            .arg("-map")
            .arg(&probe.map)
            .args([
                "-fps_mode",
                "passthrough",
                "-vf",
                "showinfo",
                "-f",
                "image2pipe",
                "-c:v",
                "ppm",
                "-",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| Error::FfmpegMissing {
                program: "ffmpeg",
                source,
            })?;
        let stdout = BufReader::with_capacity(1 << 20, child.stdout.take().expect("piped"));
        let stderr = child.stderr.take().expect("piped");
        let (send, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr)
                .split(b'\n')
                .map_while(std::result::Result::ok)
            {
                let line = String::from_utf8_lossy(&line).into_owned();
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Video {
            path: path.to_path_buf(),
            child,
            stdout,
            log,
            frames_hint: probe.frames,
            rotation: probe.rotation,
            index: 0,
            messages: Vec::new(),
        })
    }

    /// Every message ffmpeg has written so far that is not a frame time, trimmed.
    fn messages(&mut self) -> impl Iterator<Item = &str> {
        self.messages
            .extend(self.log.try_iter().filter(|l| !l.contains("Parsed_showinfo")));
        self.messages.iter().map(|l| l.trim())
    }

    /// ffmpeg's last messages, for an error.
    fn failure(&mut self, what: &str) -> Error {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let said: Vec<&str> = self
            .messages()
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with("Stream")
                    && !l.starts_with("Input")
                    && !l.starts_with("Output")
            })
            .collect();
        let tail = said
            .iter()
            .rev()
            .take(2)
            .rev()
            .copied()
            .collect::<Vec<_>>()
            .join("; ");
        Error::Video {
            path: self.path.clone(),
            reason: if tail.is_empty() {
                what.to_string()
            } else {
                format!("{what}: ffmpeg says: {tail}")
            },
        }
    }

    /// See [`FrameSource::damage`].
    fn damage(&mut self) -> Option<String> {
        let decoded = self.index;
        let short = self.frames_hint.filter(|&expected| decoded < expected);
        let errors: Vec<&str> = self
            .messages()
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                ["error", "invalid", "corrupt", "truncat", "partial", "missing"]
                    .iter()
                    .any(|word| l.contains(word))
            })
            .collect();
        if short.is_none() && errors.is_empty() {
            return None;
        }
        let mut said = match short {
            Some(expected) => {
                format!("{decoded} of the {expected} frames its container announces were decoded")
            }
            None => format!("{decoded} frames were decoded, with errors"),
        };
        if let Some(last) = errors.last() {
            said.push_str(&format!(" (ffmpeg says: {last})"));
        }
        Some(said)
    }

    /// The time of the frame just read, from ffmpeg's showinfo line for it.
    fn frame_time(&mut self) -> Option<f64> {
        for line in self.log.iter() {
            if let Some(rest) = line.split("pts_time:").nth(1) {
                return rest.split_whitespace().next()?.parse().ok();
            }
            self.messages.push(line);
        }
        None
    }

    fn next_frame(&mut self) -> Result<Option<(Frame<'static>, f64)>> {
        let header = match read_ppm_header(&mut self.stdout) {
            Ok(Some(h)) => h,
            Ok(None) => {
                let status = self
                    .child
                    .wait()
                    .map_err(|source| FileError::new(self.path.clone(), source))?;
                if !status.success() {
                    let err = self.failure("ffmpeg could not decode it");
                    if self.messages.iter().any(|m| m.contains("matches no streams")) {
                        return Err(Error::Video {
                            path: self.path.clone(),
                            reason: "the file holds no video (no frames)".into(),
                        });
                    }
                    return Err(err);
                }
                if self.index == 0 {
                    return Err(self.failure("the video has no frames"));
                }
                return Ok(None);
            }
            Err(e) => return Err(self.failure(&format!("bad frame from ffmpeg ({e})"))),
        };
        let (w, h) = header;
        let mut rgb = vec![0; w * h * 3];
        if let Err(e) = self.stdout.read_exact(&mut rgb) {
            return Err(self.failure(&format!("frame {} cut short ({e})", self.index)));
        }
        let time = self.frame_time().unwrap_or(f64::NAN);
        let frame = Frame::new(w, h, rgb, self.index)?;
        self.index += 1;
        Ok(Some((frame, time)))
    }
}

impl Drop for Video {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a binary PPM header (`P6 width height 255`), or `None` at the end of the stream.
fn read_ppm_header(r: &mut impl BufRead) -> std::io::Result<Option<(usize, usize)>> {
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let mut byte = [0u8];
    while fields.len() < 4 {
        if r.read(&mut byte)? == 0 {
            if fields.is_empty() && field.is_empty() {
                return Ok(None);
            }
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "header cut short",
            ));
        }
        if byte[0].is_ascii_whitespace() {
            if !field.is_empty() {
                fields.push(String::from_utf8_lossy(&std::mem::take(&mut field)).into_owned());
            }
        } else if field.len() < 16 {
            field.push(byte[0]);
        }
    }
    let number = |s: &str| s.parse::<usize>().ok().filter(|&n| n > 0 && n <= 1 << 15);
    match (
        fields[0].as_str(),
        number(&fields[1]),
        number(&fields[2]),
        fields[3].as_str(),
    ) {
        ("P6", Some(w), Some(h), "255") => Ok(Some((w, h))),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not an 8-bit PPM header: {fields:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pictures in memory come out one by one, with their index and time, and pictures of
    /// different sizes, or no rate, are refused.
    #[test]
    fn frames_in_memory() {
        let frame = |k: u8, width: usize| Frame::new(width, 2, vec![k; width * 2 * 3], 0).expect("a frame");
        let source = FrameSource::frames((0..3).map(|k| frame(k, 3)).collect(), 10.0).expect("three");
        assert_eq!(source.len_hint(), Some(3));
        let frames: Vec<(Frame, f64)> = source.map(|f| f.expect("a frame")).collect();
        assert_eq!(frames.len(), 3);
        for (k, (frame, time)) in frames.iter().enumerate() {
            assert_eq!(frame.rgb(), &vec![k as u8; 18][..]);
            assert_eq!(*time, k as f64 / 10.0);
        }
        assert!(FrameSource::frames(vec![frame(0, 3), frame(1, 4)], 10.0).is_err());
        assert!(FrameSource::frames(vec![frame(0, 3)], f64::NAN).is_err());
    }

    #[test]
    fn numbers_in_names_sort_by_value() {
        let mut names = vec!["f10.png", "f2.png", "f1.png", "a.png"];
        names.sort_by_cached_key(|n| natural_key(n));
        assert_eq!(names, ["a.png", "f1.png", "f2.png", "f10.png"]);
    }

    #[test]
    fn ppm_headers() {
        let mut ok: &[u8] = b"P6\n3 2\n255\n";
        assert_eq!(read_ppm_header(&mut ok).unwrap(), Some((3, 2)));
        let mut empty: &[u8] = b"";
        assert_eq!(read_ppm_header(&mut empty).unwrap(), None);
        let mut cut: &[u8] = b"P6\n3";
        assert!(read_ppm_header(&mut cut).is_err());
        let mut deep: &[u8] = b"P6\n3 2\n65535\n";
        assert!(read_ppm_header(&mut deep).is_err());
    }
}

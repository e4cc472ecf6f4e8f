//! Dataset trees as the old pipeline lays them out:
//! `ROOT/{Training,Testing}/<class>/<recording>/N_{landmarks,angles}.npy`, the classes `Normal`
//! and `Abnormal`, or `Normal` and a folder per gait pattern (any folder is a [`Class`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::angles::read_angles;
use crate::class::Class;
use crate::clip::ClipFile;
use crate::error::{Error, Result};
use crate::feature_sequence::FeatureSequence;
use crate::landmarks::{Landmarks, read_landmarks};
use crate::npy::read_npy_header;

/// Which part of a dataset a sample belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    /// `Training/`
    Training,
    /// `Testing/`
    Testing,
}

impl Split {
    /// Both splits, in tree order.
    pub const ALL: [Split; 2] = [Split::Training, Split::Testing];

    /// The folder name.
    pub fn dir_name(self) -> &'static str {
        match self {
            Split::Training => "Training",
            Split::Testing => "Testing",
        }
    }
}

/// One clip of a recording: its place in the tree and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Training or Testing.
    pub split: Split,
    /// The class: the folder the recording is in.
    pub class: Class,
    /// The recording folder's name (one walk, one subject).
    pub recording: String,
    /// The clip number `N` of `N_angles.npy`.
    pub clip: u64,
    /// `N` as written in the file names (`01` and `1` in one recording are refused: both would
    /// be clip 1).
    pub name: String,
    /// `N_angles.npy`, if present.
    pub angles: Option<PathBuf>,
    /// `N_landmarks.npy`, if present.
    pub landmarks: Option<PathBuf>,
}

/// A file, or a clip, left out of a dataset, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file concerned.
    pub path: PathBuf,
    /// Why it was left out.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// Which files a clip must have to count as a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    /// Both files, non-empty: the old pipeline's rule for a sample.
    Both,
    /// A non-empty angles file (landmarks optional).
    Angles,
    /// A non-empty landmarks file (angles optional).
    Landmarks,
}

/// The samples of a dataset tree, in tree order (split, class, recording, clip number), and
/// everything that was left out with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// The tree's root folder.
    pub root: PathBuf,
    /// The samples found.
    pub samples: Vec<Sample>,
    /// Files and clips left out, with reasons.
    pub skipped: Vec<Skipped>,
}

impl Dataset {
    /// Walks the tree under `root` and pairs each clip's files.
    ///
    /// Every `.npy` file that does not make a sample is reported in `skipped`: misplaced, oddly
    /// named, without the partner `require` asks for, empty, or with an unreadable header.
    /// Fails only when `root` has neither a `Training` nor a `Testing` folder or cannot be read.
    pub fn scan(root: &Path, require: Require) -> Result<Dataset> {
        if !Split::ALL.iter().any(|s| root.join(s.dir_name()).is_dir()) {
            return Err(Error::content(
                root,
                "no Training/ or Testing/ folder: a dataset is ROOT/{Training,Testing}/<class>/<recording>/N_angles.npy, the classes Normal and Abnormal or Normal and one folder per pattern",
            ));
        }
        let mut clips: BTreeMap<(Split, Class, String, u64, String), Sample> = BTreeMap::new();
        let mut skipped = Vec::new();
        // Links are followed (as predict reads them); a link back to a folder above it, a broken
        // link or an unreadable folder is reported, not fatal.
        for entry in walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let path = e.path().unwrap_or(root).to_path_buf();
                    let reason = if e.loop_ancestor().is_some() {
                        "a link back to a folder above it: not followed again".to_string()
                    } else {
                        e.io_error().map_or_else(|| e.to_string(), ToString::to_string)
                    };
                    skipped.push(Skipped { path, reason });
                    continue;
                }
            };
            let path = entry.path();
            if !entry.file_type().is_file() || path.extension().is_none_or(|e| e != "npy") {
                continue;
            }
            match place(root, path) {
                Ok(None) => {}
                Ok(Some((split, class, recording, (clip, name), is_angles))) => {
                    let sample = clips
                        .entry((split, class.clone(), recording.clone(), clip, name.clone()))
                        .or_insert(Sample {
                            split,
                            class,
                            recording,
                            clip,
                            name,
                            angles: None,
                            landmarks: None,
                        });
                    let slot = if is_angles {
                        &mut sample.angles
                    } else {
                        &mut sample.landmarks
                    };
                    *slot = Some(path.to_path_buf());
                }
                Err(reason) => skipped.push(Skipped {
                    path: path.to_path_buf(),
                    reason,
                }),
            }
        }
        // Names that read as one clip number in one recording (`01` and `1`) would make two
        // samples of one clip, or pair the wrong files: all of them are left out, said so.
        let clips: Vec<Sample> = clips.into_values().collect();
        let mut unique = Vec::with_capacity(clips.len());
        for group in clips.chunk_by(|a, b| {
            (a.split, &a.class, &a.recording, a.clip) == (b.split, &b.class, &b.recording, b.clip)
        }) {
            if let [only] = group {
                unique.push(only.clone());
                continue;
            }
            let names: Vec<&str> = group.iter().map(|s| s.name.as_str()).collect();
            for path in group.iter().flat_map(|s| [&s.angles, &s.landmarks]).flatten() {
                skipped.push(Skipped {
                    path: path.clone(),
                    reason: format!(
                        "the clip names {} in one recording are all clip {}: rename all but one",
                        names.join(", "),
                        group[0].clip
                    ),
                });
            }
        }
        // Checking reads each file's header: in parallel, in the tree's order.
        let checked: Vec<(Sample, Result<(), Skipped>)> = unique
            .into_par_iter()
            .map(|sample| {
                let verdict = check(&sample, require);
                (sample, verdict)
            })
            .collect();
        let mut samples = Vec::with_capacity(checked.len());
        for (sample, verdict) in checked {
            match verdict {
                Ok(()) => samples.push(sample),
                Err(skip) => skipped.push(skip),
            }
        }
        Ok(Dataset {
            root: root.to_path_buf(),
            samples,
            skipped,
        })
    }

    /// The samples of one split.
    pub fn split(&self, split: Split) -> impl Iterator<Item = &Sample> {
        self.samples.iter().filter(move |s| s.split == split)
    }

    /// The classes of `split`'s samples, in class order.
    pub fn classes(&self, split: Split) -> Vec<Class> {
        let mut classes: Vec<Class> = self.split(split).map(|s| s.class.clone()).collect();
        classes.sort();
        classes.dedup();
        classes
    }

    /// Reads every sample's angles file, in parallel. Samples whose file is missing or unreadable
    /// move from `samples` to `skipped`; the result lines up with `samples` afterwards.
    pub fn load_angles(&mut self) -> Vec<FeatureSequence> {
        self.load_with(|s| s.angles.as_deref(), "angles", read_angles)
    }

    /// Reads every sample's landmarks file, in parallel, like [`load_angles`](Self::load_angles).
    pub fn load_landmarks(&mut self) -> Vec<Landmarks<'static>> {
        self.load_with(|s| s.landmarks.as_deref(), "landmarks", read_landmarks)
    }

    fn load_with<T: Send>(
        &mut self,
        file: impl Fn(&Sample) -> Option<&Path> + Sync,
        what: &str,
        read: impl Fn(&Path) -> Result<T> + Sync,
    ) -> Vec<T> {
        let results: Vec<Result<T, Skipped>> = self
            .samples
            .par_iter()
            .map(|sample| match file(sample) {
                Some(path) => read(path).map_err(|e| Skipped {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                }),
                None => Err(Skipped {
                    path: sample_dir(&self.root, sample),
                    reason: format!("clip {} has no {what} file", sample.clip),
                }),
            })
            .collect();
        let mut kept = Vec::with_capacity(results.len());
        let samples = std::mem::take(&mut self.samples);
        for (sample, result) in samples.into_iter().zip(results) {
            match result {
                Ok(value) => {
                    self.samples.push(sample);
                    kept.push(value);
                }
                Err(skip) => self.skipped.push(skip),
            }
        }
        kept
    }
}

/// The folder of a sample's recording.
fn sample_dir(root: &Path, sample: &Sample) -> PathBuf {
    root.join(sample.split.dir_name())
        .join(sample.class.name())
        .join(&sample.recording)
}

/// Where a file sits in the tree: split, class, recording, clip number, and whether it is the
/// angles (or the landmarks) file; `None` for a file that accompanies a clip (`N_frames.npy`,
/// `N_visibility.npy`).
type Place = (Split, Class, String, (u64, String), bool);
fn place(root: &Path, path: &Path) -> Result<Option<Place>, String> {
    let relative = path
        .strip_prefix(root)
        .map_err(|_| "outside the dataset root".to_string())?;
    let parts: Vec<&std::ffi::OsStr> = relative.iter().collect();
    let [split, class, recording, name] = parts.as_slice() else {
        return Err("not at Split/<class>/<recording>/N_angles.npy depth".into());
    };
    // A recording's name is its identity: a name that is not UTF-8 keeps its bytes, escaped,
    // rather than becoming "" like every other such name.
    let recording = recording
        .to_str()
        .map_or_else(|| format!("{recording:?}"), str::to_string);
    let (split, class, name) = (
        split.to_str().unwrap_or_default(),
        class.to_str().ok_or("the class folder's name is not UTF-8")?,
        name.to_str().ok_or("the file name is not UTF-8")?,
    );
    let split = match split {
        "Training" => Split::Training,
        "Testing" => Split::Testing,
        other => return Err(format!("{other:?} is not Training or Testing")),
    };
    if class.starts_with('.') {
        return Err(format!("{class:?} is a hidden folder, not a class"));
    }
    let class = Class::new(class);
    let (stem, is_angles) = match ClipFile::parse(name) {
        Some((_, kind)) if kind.is_companion() => return Ok(None),
        Some((stem, kind)) => (stem, kind == ClipFile::Angles),
        None => return Err("not named N_angles.npy or N_landmarks.npy".into()),
    };
    let clip = ClipFile::number(stem).ok_or_else(|| format!("clip number {stem:?} is not a whole number"))?;
    Ok(Some((
        split,
        class,
        recording,
        (clip, stem.to_string()),
        is_angles,
    )))
}

/// Checks that a clip has the files `require` asks for, non-empty with readable headers.
fn check(sample: &Sample, require: Require) -> Result<(), Skipped> {
    let needed: &[(&Option<PathBuf>, &str)] = match require {
        Require::Both => &[(&sample.angles, "angles"), (&sample.landmarks, "landmarks")],
        Require::Angles => &[(&sample.angles, "angles")],
        Require::Landmarks => &[(&sample.landmarks, "landmarks")],
    };
    let present = sample
        .angles
        .as_ref()
        .or(sample.landmarks.as_ref())
        .expect("a clip has a file");
    for (file, what) in needed {
        let Some(path) = file else {
            let reason = format!("no partner {}_{what}.npy beside it", sample.clip);
            return Err(Skipped {
                path: present.clone(),
                reason,
            });
        };
        let header = read_npy_header(path).map_err(|e| Skipped {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if header.is_empty() {
            return Err(Skipped {
                path: path.clone(),
                reason: format!("empty (shape {:?})", header.shape),
            });
        }
    }
    Ok(())
}

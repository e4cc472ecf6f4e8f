//! synth (small) → extract → train (a few epochs) → save → load → predict, deterministically.

use gait::ExtractOptions;
use gait::features::FeatureSet;
use gait::io::Class;
use gait::io::{Dataset, OutputDir, Require, Split, write_angles};
use gait::lstm::{Classifier, CrossValidation, Evaluation, Folds, TrainOptions};
use gait::synth::CohortOptions;

fn small_cohort() -> CohortOptions {
    let mut cohort = CohortOptions::default();
    cohort.normal_subjects = 4;
    cohort.abnormal_subjects = 7;
    cohort.recordings_per_subject = 1;
    cohort.seconds = 6.0;
    cohort
}

#[test]
fn synthetic_data_trains_saves_loads_and_predicts_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clips = gait::write_synthetic_dataset(&data, &small_cohort(), 3).unwrap();
    let dataset = Dataset::scan(&data, Require::Both).unwrap();
    assert_eq!(dataset.samples.len(), clips);
    assert!(dataset.skipped.is_empty(), "{:?}", dataset.skipped);
    assert!(dataset.split(Split::Testing).count() > 0 && dataset.split(Split::Training).count() > 0);

    // Extract: the default features of every landmarks file, written as a tree again.
    let extracted = dir.path().join("extracted");
    let out = OutputDir::prepare(&extracted, &[&data], false).unwrap();
    let done = gait::extract_tree(&data, &out, &ExtractOptions::default(), |_| {}).unwrap();
    assert_eq!((done.written, done.skipped.len()), (clips, 0));
    let again = Dataset::scan(&extracted, Require::Both).unwrap();
    assert_eq!(again.samples.len(), clips);
    // Each clip's features are those of its landmarks file, which is copied as it was.
    for (sample, copy) in dataset.samples.iter().zip(&again.samples) {
        let (original, copied) = (
            sample.landmarks.as_ref().unwrap(),
            copy.landmarks.as_ref().unwrap(),
        );
        assert_eq!(std::fs::read(original).unwrap(), std::fs::read(copied).unwrap());
        let want = gait::features_of_file(original, FeatureSet::Default).unwrap();
        assert_eq!(
            gait::io::read_angles(copy.angles.as_ref().unwrap()).unwrap(),
            want
        );
    }
    // The output may not lie inside the input.
    let err = OutputDir::prepare(&data.join("out"), &[&data], false).unwrap_err();
    assert!(matches!(err, gait::io::Error::OutputInsideInput { .. }), "{err}");

    let train = gait::load_examples(&data, Split::Training, FeatureSet::Default)
        .unwrap()
        .examples;
    let mut options = TrainOptions::default();
    options.epochs = 3;
    options.seed = 11;
    let (model, histories) = Classifier::fit(&train, &options).unwrap();
    assert_eq!(histories.len(), options.ensemble, "one history per network");
    let history = &histories[0];
    assert_eq!(history.epochs.len(), 3);
    assert!(
        history
            .epochs
            .iter()
            .all(|e| e.train_loss.is_finite() && e.val_loss.is_finite())
    );
    assert!(
        history.recordings[1] >= 2,
        "a validation part of whole recordings per class"
    );

    // Same seed and data: bit-identical weights.
    let (again, _) = Classifier::fit(&train, &options).unwrap();
    for ((name, a), (_, b)) in model.network().named().into_iter().zip(again.network().named()) {
        let (a, b) = (
            a.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            b.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        );
        assert!(
            a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{name} differs between runs"
        );
    }

    let saved = dir.path().join("model");
    model.save(&saved).unwrap();
    let loaded = Classifier::load(&saved).unwrap();
    let files = loaded
        .feature_set()
        .clip_file()
        .find(&data.join("Testing"))
        .unwrap();
    assert_eq!(files.len(), dataset.split(Split::Testing).count());
    let sequences: Vec<_> = files
        .iter()
        .map(|f| gait::features_of_file(f, FeatureSet::Default).unwrap())
        .collect();
    let refs: Vec<_> = sequences.iter().collect();
    let before = model.predict_abnormal(&refs).unwrap();
    let after = loaded.predict_abnormal(&refs).unwrap();
    assert_eq!(before, after);
    assert!(after.iter().all(|p| (0.0..=1.0).contains(p)));
}

#[test]
fn a_feature_error_names_the_file() {
    // Landmarks of a body standing still with no feet: the default set cannot find its axes.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("7_landmarks.npy");
    let still = gait::ndarray::Array3::<f32>::from_elem((40, 33, 3), f32::NAN);
    gait::io::write_landmarks(
        &path,
        &gait::io::Landmarks::new(gait::io::Layout::MediaPipe33, still).unwrap(),
    )
    .unwrap();
    let err = gait::features_of_file(&path, FeatureSet::Default)
        .unwrap_err()
        .to_string();
    assert!(err.contains("7_landmarks.npy"), "{err}");
}

#[test]
fn a_tree_of_unreadable_landmarks_is_an_error_not_a_switch_to_seed() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("Training/Normal/walk");
    std::fs::create_dir_all(&clip).unwrap();
    std::fs::write(clip.join("1_landmarks.npy"), "not a numpy file").unwrap();
    write_angles(
        &clip.join("1_angles.npy"),
        &gait::io::FeatureSequence::new(vec!["a".into()], gait::ndarray::Array2::zeros((3, 1))).unwrap(),
    )
    .unwrap();
    let err = gait::feature_set_for(dir.path(), FeatureSet::Default)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("1_landmarks.npy") && err.contains("can be used"),
        "{err}"
    );
    // With no landmarks files at all, the angles files' seed features are what there is.
    std::fs::remove_file(clip.join("1_landmarks.npy")).unwrap();
    assert_eq!(
        gait::feature_set_for(dir.path(), FeatureSet::Default).unwrap(),
        FeatureSet::Seed
    );
}

#[test]
fn leave_one_subject_out_predicts_every_clip_once_and_pools_as_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cohort = CohortOptions::default();
    cohort.normal_subjects = 3;
    cohort.abnormal_subjects = 3;
    cohort.recordings_per_subject = 1;
    cohort.seconds = 4.0;
    gait::write_synthetic_dataset(&data, &cohort, 6).unwrap();
    let mut examples = gait::load_examples(&data, Split::Training, FeatureSet::Seed)
        .unwrap()
        .examples;
    examples.extend(
        gait::load_examples(&data, Split::Testing, FeatureSet::Seed)
            .unwrap()
            .examples,
    );
    let groups: Vec<String> = examples.iter().map(|e| e.recording.clone()).collect();
    let mut options = TrainOptions::default();
    options.epochs = 1;
    let mut done = 0;
    let cv = CrossValidation::run(
        &examples,
        &groups,
        Folds::LeaveOneGroupOut,
        &options,
        &[4],
        |_, _, _| done += 1,
    )
    .unwrap();
    assert_eq!((cv.groups.len(), done), (6, 6));
    let result = &cv.seeds[0];
    // Each clip was in its own subject's fold: the model that predicted it never saw the subject.
    for (e, &fold) in examples.iter().zip(&result.fold) {
        assert_eq!(cv.groups[fold], e.recording);
    }
    // The pooled metrics, by hand from the out-of-fold probabilities.
    let p: Vec<f32> = result.probabilities.iter().map(|p| p[1]).collect();
    let abnormal: Vec<bool> = examples.iter().map(|e| e.class == Class::abnormal()).collect();
    let (mut tp, mut tn) = (0, 0);
    for (&p, &a) in p.iter().zip(&abnormal) {
        tp += usize::from(a && p >= 0.5);
        tn += usize::from(!a && p < 0.5);
    }
    let (pos, neg) = (
        abnormal.iter().filter(|&&a| a).count(),
        abnormal.iter().filter(|&&a| !a).count(),
    );
    let mut ranked = 0.0;
    for (i, &ai) in abnormal.iter().enumerate() {
        for (j, &aj) in abnormal.iter().enumerate() {
            if ai && !aj {
                ranked += if p[i] > p[j] {
                    1.0
                } else if p[i] == p[j] {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    let Evaluation::Binary(m) = &result.evaluation else {
        panic!("Normal and Abnormal give the binary metrics")
    };
    assert_eq!(m.n_test, examples.len());
    assert_eq!((m.confusion.tp, m.confusion.tn), (tp, tn));
    assert!((m.accuracy - (tp + tn) as f64 / examples.len() as f64).abs() < 1e-12);
    let recalls = (tp as f64 / pos as f64 + tn as f64 / neg as f64) / 2.0;
    assert!((m.balanced_accuracy - recalls).abs() < 1e-12);
    assert!((m.auc - ranked / (pos * neg) as f64).abs() < 1e-12);
}

#[test]
fn a_long_walk_is_cut_into_parts_that_cover_it_and_follow_its_change() {
    use gait::io::VideoInfo;
    use gait::synth::{Camera, Pathology, Realism, Subject, render, walk};
    use rand::SeedableRng;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    gait::write_synthetic_dataset(&data, &small_cohort(), 5).unwrap();
    let train = gait::load_examples(&data, Split::Training, FeatureSet::Default)
        .unwrap()
        .examples;
    let mut options = TrainOptions::default();
    options.epochs = 15;
    options.ensemble = 1;
    options.seed = 2;
    let (model, _) = Classifier::fit(&train, &options).unwrap();

    // Ten seconds of a normal walk, then ten of the same person crouching, as one recording.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let person = |pathology| Subject {
        height: 1.72,
        cadence: 108.0,
        stride_ratio: 0.8,
        amplitude: 1.0,
        pathology,
    };
    let first = walk(&person(None), 300, 30.0, &mut rng);
    let second = walk(&person(Some((Pathology::Crouch, 1.0))), 300, 30.0, &mut rng);
    let both = first.then(&second, false);
    let still = Realism {
        drop_rate: 0.0,
        ..Realism::default()
    };
    let (landmarks, _) = render(&both, &still, Some(&Camera::default()), &mut rng);
    let path = dir.path().join("long/1_landmarks.npy");
    gait::io::write_landmarks(&path, &landmarks).unwrap();
    // The frame it was seen in, as pose extraction and the training data record it.
    gait::io::write_video_info(&dir.path().join("long/1_video.json"), &VideoInfo::new(1920, 1080)).unwrap();

    let verdict = gait::predict_walk(&model, &path, &gait::WalkOptions::default()).unwrap();
    assert_eq!(verdict.frames, 600);
    assert!(
        matches!(verdict.cut, gait::Cut::Strides { strides: 2 }),
        "{:?}",
        verdict.cut
    );
    // Every frame is in a part: they start at 0, end at the last frame and leave no gap.
    let parts = &verdict.segments;
    assert_eq!((parts[0].start, parts[parts.len() - 1].end), (0, 600));
    assert!(
        parts
            .windows(2)
            .all(|w| w[1].start <= w[0].end && w[0].start < w[1].start)
    );
    for part in parts {
        let p = part.prediction.p_abnormal.unwrap();
        if part.end <= 300 {
            assert!(p < 0.5, "normal part {}..{}: {p}", part.start, part.end);
        } else if part.start >= 300 {
            assert!(p > 0.5, "crouching part {}..{}: {p}", part.start, part.end);
        }
    }
    // The same recording, as windows of the model's length, when strides cannot be found
    // (the angles alone): every frame again.
    let angles = dir.path().join("angles/1_angles.npy");
    gait::io::write_angles(
        &angles,
        &gait::features_of_file(&path, FeatureSet::Default).unwrap(),
    )
    .unwrap();
    let windows = gait::predict_walk(&model, &angles, &gait::WalkOptions::default()).unwrap();
    assert_eq!(windows.cut, gait::Cut::Windows { length: 110, hop: 55 });
    let ends: Vec<(usize, usize)> = windows.segments.iter().map(|s| (s.start, s.end)).collect();
    assert_eq!(
        ends,
        [
            (0, 110),
            (55, 165),
            (110, 220),
            (165, 275),
            (220, 330),
            (275, 385),
            (330, 440),
            (385, 495),
            (440, 550),
            (490, 600)
        ]
    );
    // The verdict of a recording the model takes whole is that of the model on it.
    let short = gait::features_of_file(&path, FeatureSet::Default)
        .unwrap()
        .frames_in(0..100);
    let clip = dir.path().join("short/2_angles.npy");
    gait::io::write_angles(&clip, &short).unwrap();
    let whole = gait::predict_walk(&model, &clip, &gait::WalkOptions::default()).unwrap();
    assert_eq!(whole.cut, gait::Cut::Whole);
    assert_eq!(whole.prediction, model.classify([&short]).unwrap()[0]);
    // A recording of 100,000 frames is used whole, in parts classified 256 at a time.
    let features = gait::features_of_file(&path, FeatureSet::Default).unwrap();
    let (columns, values) = features.into_parts();
    let views: Vec<_> = (0..167).map(|_| values.view()).collect();
    let long = gait::ndarray::concatenate(gait::ndarray::Axis(0), &views).unwrap();
    let long =
        gait::io::FeatureSequence::new(columns, long.slice(gait::ndarray::s![..100_000, ..]).to_owned())
            .unwrap();
    let huge = dir.path().join("huge/3_angles.npy");
    gait::io::write_angles(&huge, &long).unwrap();
    let verdict = gait::predict_walk(&model, &huge, &gait::WalkOptions::default()).unwrap();
    assert_eq!(verdict.frames, 100_000);
    let last = verdict.segments.last().unwrap();
    assert_eq!(
        (verdict.segments.len(), last.start, last.end),
        (1818, 99_890, 100_000)
    );

    // Out and back: the second walk turned half round (x and y change sign) where the first
    // ends. Each pass is cut alone, at its own strides; no part holds the turn.
    let back = walk(&person(None), 300, 30.0, &mut rng);
    let there_and_back = first.then(&back, true);
    let (landmarks, _) = render(&there_and_back, &still, Some(&Camera::default()), &mut rng);
    let turning = dir.path().join("turning/1_landmarks.npy");
    gait::io::write_landmarks(&turning, &landmarks).unwrap();
    gait::io::write_video_info(
        &dir.path().join("turning/1_video.json"),
        &VideoInfo::new(1920, 1080),
    )
    .unwrap();
    let verdict = gait::predict_walk(&model, &turning, &gait::WalkOptions::default()).unwrap();
    assert!(
        matches!(verdict.cut, gait::Cut::Strides { strides: 2 }),
        "{:?}",
        verdict.cut
    );
    let parts: Vec<(usize, usize)> = verdict.segments.iter().map(|s| (s.start, s.end)).collect();
    assert!(parts.iter().all(|&(s, e)| e <= 285 || s >= 315), "{parts:?}");
    assert_eq!((parts[0].0, parts[parts.len() - 1].1), (0, 600));
    assert!(parts.iter().any(|&(_, e)| e == 285) && parts.iter().any(|&(s, _)| s == 315));
    assert_eq!(
        verdict.prediction.class,
        gait::prelude::Class::normal(),
        "{verdict:?}"
    );

    // The model records how its training clips were cut: two strides at heel strikes, whose
    // lengths vary with each walker's pace.
    let clips = model.config().clips.unwrap();
    assert!(!clips.windows && clips.shortest < clips.longest, "{clips:?}");
    // A model trained on windows of 40 frames cuts a recording into windows of 40, not strides.
    let windows: Vec<gait::lstm::Example> = train
        .iter()
        .filter(|e| e.sequence.frames() >= 40)
        .map(|e| gait::lstm::Example {
            sequence: e.sequence.frames_in(0..40),
            ..e.clone()
        })
        .collect();
    let (windowed, _) = Classifier::fit(&windows, &options).unwrap();
    let clips = windowed.config().clips.unwrap();
    assert_eq!((clips.median, clips.windows), (40, true));
    let verdict = gait::predict_walk(&windowed, &path, &gait::WalkOptions::default()).unwrap();
    assert_eq!(verdict.cut, gait::Cut::Windows { length: 40, hop: 20 });
    assert!(verdict.segments.iter().all(|s| s.end - s.start == 40));
    assert_eq!(verdict.segments.last().unwrap().end, 600);
}

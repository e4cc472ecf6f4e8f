//! The examples as a user runs them: refusals exit non-zero with one line on stderr, and nothing
//! is overwritten. (`cargo test` builds the examples before it runs the tests.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The built example `name`, beside this test's executable.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example(name)).args(args).output().unwrap()
}

/// Requires `output` to be a success, and gives its standard output.
fn succeeded(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {}; stderr: {stderr}",
        output.status
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Requires `output` to be a failure whose standard error says `says`.
fn refused(output: &Output, says: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "exit 0; stderr: {stderr}");
    assert!(stderr.contains(says), "stderr does not say {says:?}: {stderr}");
}

#[test]
fn synth_and_extract_refuse_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ok = run(
        "synth",
        &[
            "--out",
            data.to_str().unwrap(),
            "--normal",
            "2",
            "--abnormal",
            "2",
        ],
    );
    succeeded(&ok);
    let mut before = walk(&data);
    before.sort();
    // Again into the same folder: refused, nothing touched.
    refused(
        &run("synth", &["--out", data.to_str().unwrap(), "--seed", "5"]),
        "is not empty",
    );
    let mut after = walk(&data);
    after.sort();
    assert_eq!(before, after);

    let out = dir.path().join("features");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    refused(
        &run(
            "extract",
            &["--input", data.to_str().unwrap(), "--out", out.to_str().unwrap()],
        ),
        "is not empty",
    );
    let forced = run(
        "extract",
        &[
            "--input",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--force",
        ],
    );
    succeeded(&forced);
}

#[test]
fn extract_refuses_a_bad_rate_and_fails_when_no_clip_could_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for fps in ["0", "-5", "NaN", "inf"] {
        let out = dir.path().join(format!("out{fps}"));
        let rate = format!("--fps={fps}");
        let args = [
            "--input",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            &rate,
        ];
        refused(
            &run("extract", &args),
            "--fps must be 1 to 1000 frames per second",
        );
    }
    // A tree whose only landmarks file is unreadable: nothing extracted is a failure.
    let clip = data.join("Training/Normal/walk");
    std::fs::create_dir_all(&clip).unwrap();
    std::fs::write(clip.join("1_landmarks.npy"), "not a numpy file").unwrap();
    let out = dir.path().join("out");
    refused(
        &run(
            "extract",
            &["--input", data.to_str().unwrap(), "--out", out.to_str().unwrap()],
        ),
        "no clip could be extracted",
    );
}

/// Every file under `dir` with its bytes.
fn walk(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            files.push((path, bytes));
        }
    }
    files.sort();
    files
}

/// A cohort of two normal and two abnormal subjects, `recordings` walks of `seconds` each.
fn two_and_two(recordings: usize, seconds: f64) -> gait::synth::CohortOptions {
    let mut cohort = gait::synth::CohortOptions::default();
    cohort.normal_subjects = 2;
    cohort.abnormal_subjects = 2;
    cohort.recordings_per_subject = recordings;
    cohort.seconds = seconds;
    cohort
}

/// A model of one network trained one epoch on `data`'s Training split, saved into `out`.
fn save_tiny_model(data: &Path, features: gait::features::FeatureSet, out: &Path) {
    use gait::lstm::{Classifier, TrainOptions};
    let train = gait::load_examples(data, gait::prelude::Split::Training, features)
        .unwrap()
        .examples;
    let mut options = TrainOptions::default();
    options.epochs = 1;
    options.ensemble = 1;
    Classifier::fit(&train, &options).unwrap().0.save(out).unwrap();
}

/// The first test walk's landmarks file of the tree `data`.
fn first_test_walk(data: &Path) -> PathBuf {
    walk(&data.join("Testing"))
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.to_string_lossy().ends_with("_landmarks.npy"))
        .unwrap()
}

/// A small synthetic tree in `dir/data` (whole recordings, or two-stride clips), a tiny model of
/// its default features in `dir/model`, and its first test walk: their paths.
fn tree_model_walk(dir: &Path, whole: bool, seed: u64) -> [String; 3] {
    let (data, model) = (dir.join("data"), dir.join("model"));
    if whole {
        gait::write_synthetic_recordings(&data, &two_and_two(2, 6.0), seed).unwrap();
    } else {
        gait::write_synthetic_dataset(&data, &two_and_two(2, 6.0), seed).unwrap();
    }
    save_tiny_model(&data, gait::features::FeatureSet::Default, &model);
    let walk = first_test_walk(&data);
    [data, model, walk].map(|p| p.to_string_lossy().into_owned())
}

#[test]
fn predict_reports_a_bad_clip_goes_on_and_fails_at_the_end() {
    use gait::features::FeatureSet;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cohort = two_and_two(2, 4.0);
    gait::write_synthetic_dataset(&data, &cohort, 2).unwrap();
    let model_dir = dir.path().join("model");
    save_tiny_model(&data, FeatureSet::Seed, &model_dir);

    let good = walk(&data)
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.to_string_lossy().ends_with("_angles.npy"))
        .unwrap();
    let bad = dir.path().join("9_angles.npy");
    std::fs::write(&bad, "not a numpy file").unwrap();
    let output = run(
        "predict",
        &[
            "--model",
            model_dir.to_str().unwrap(),
            bad.to_str().unwrap(),
            good.to_str().unwrap(),
        ],
    );
    refused(&output, "9_angles.npy");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("1 of 2 clips could not be predicted"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&*good.to_string_lossy()),
        "the good clip after the bad one is still predicted: {stdout}"
    );
}

#[test]
fn predict_json_is_the_verdict_serialised_and_agrees_with_the_tab_lines() {
    let dir = tempfile::tempdir().unwrap();
    let [_, model, walk] = tree_model_walk(dir.path(), true, 5);
    let tab = succeeded(&run("predict", &["--model", &model, &walk]));
    let fields: Vec<&str> = tab.trim_end().split('\t').collect();
    let json = succeeded(&run(
        "predict",
        &["--model", &model, "--json", "--segments", &walk],
    ));
    let line: serde_json::Value = serde_json::from_str(json.trim_end()).unwrap();
    assert_eq!(line["path"], fields[0]);
    assert_eq!(line["label"], fields[1]);
    let p_abnormal = line["p_abnormal"].as_f64().unwrap();
    assert_eq!(format!("{p_abnormal:.4}"), fields[2]);
    // Two classes, named, a distribution; P(abnormal) is Abnormal's.
    let probabilities = line["probabilities"].as_object().unwrap();
    let names: Vec<&String> = probabilities.keys().collect();
    assert_eq!(names, ["Abnormal", "Normal"]);
    let sum: f64 = probabilities.values().map(|p| p.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-5, "{sum}");
    assert_eq!(probabilities["Abnormal"].as_f64().unwrap(), p_abnormal);
    // The model was trained on whole recordings of one length (6 s, longer than the model's 110
    // frames): cut as it was trained, into windows of 110 frames overlapping by half, parts that
    // cover every frame, each with its own decision.
    assert_eq!(line["cut"]["by"], "windows", "{line}");
    assert_eq!(
        (line["cut"]["length"].as_u64(), line["cut"]["hop"].as_u64()),
        (Some(110), Some(55))
    );
    let segments = line["segments"].as_array().unwrap();
    assert!(segments.len() > 1, "{line}");
    assert_eq!(segments[0]["start"], 0);
    assert_eq!(segments.last().unwrap()["end"], line["frames"]);
    assert!(
        segments
            .iter()
            .all(|s| s["label"].is_string() && s["p_abnormal"].is_f64())
    );
}

#[test]
fn export_gives_every_input_its_own_csv() {
    let dir = tempfile::tempdir().unwrap();
    let array = gait::ndarray::Array2::<f64>::zeros((2, 3));
    let inputs = [
        "Training/Normal/r1/1_landmarks.npy",
        "Training/Normal/r2/1_landmarks.npy",
        "walk.a_landmarks.npy",
        "walk.b_landmarks.npy",
    ];
    for input in inputs {
        gait::io::write_npy(&dir.path().join(input), &array).unwrap();
    }
    let out = dir.path().join("csv");
    let mut args: Vec<String> = inputs
        .iter()
        .map(|i| dir.path().join(i).to_string_lossy().into_owned())
        .collect();
    args.extend(["--out".to_string(), out.to_string_lossy().into_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    succeeded(&run("export", &args));
    let mut written: Vec<String> = walk(&out)
        .into_iter()
        .map(|(p, _)| p.strip_prefix(&out).unwrap().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "Training/Normal/r1/1_landmarks.csv",
            "Training/Normal/r2/1_landmarks.csv",
            "walk.a_landmarks.csv",
            "walk.b_landmarks.csv"
        ]
    );
    // The same file twice would write one CSV twice: refused.
    let twice = dir.path().join(inputs[2]);
    let twice = twice.to_str().unwrap();
    refused(
        &run("export", &[twice, twice, "--out", out.to_str().unwrap()]),
        "would both be written",
    );
}

#[test]
fn train_counts_and_names_the_test_clips_its_metrics_leave_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cohort = two_and_two(2, 4.0);
    gait::write_synthetic_dataset(&data, &cohort, 4).unwrap();
    // One test clip whose body axes cannot be estimated: every landmark missing.
    let broken = walk(&data.join("Testing"))
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.to_string_lossy().ends_with("_landmarks.npy"))
        .unwrap();
    let frames = gait::io::read_landmarks(&broken).unwrap().frames();
    let nothing = gait::ndarray::Array3::<f32>::from_elem((frames, 33, 3), f32::NAN);
    gait::io::write_landmarks(
        &broken,
        &gait::io::Landmarks::new(gait::io::Layout::MediaPipe33, nothing).unwrap(),
    )
    .unwrap();
    let model = dir.path().join("model");
    let output = run(
        "train",
        &[
            "--data",
            data.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
            "--epochs",
            "1",
        ],
    );
    let stdout = succeeded(&output);
    assert!(
        stdout.contains("1 test clips left out") && stdout.contains(&*broken.to_string_lossy()),
        "{stdout}"
    );
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["test_clips_left_out"], 1);
    // The plots draw with the font the examples ship, whatever the machine has.
    for plot in ["training.png", "confusion.png"] {
        assert!(
            std::fs::metadata(model.join(plot)).unwrap().len() > 1000,
            "{plot}"
        );
    }
    let left_out = metrics["left_out"][0].as_str().unwrap();
    assert!(left_out.contains(&*broken.to_string_lossy()), "{left_out}");
    let tested = walk(&data.join("Testing"))
        .iter()
        .filter(|(p, _)| p.to_string_lossy().ends_with("_landmarks.npy"))
        .count();
    assert_eq!(metrics["n_test"], tested - 1);
}

#[test]
fn classes_the_splits_do_not_share_and_groups_that_match_nothing_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cohort = two_and_two(1, 4.0);
    gait::write_synthetic_dataset(&data, &cohort, 7).unwrap();
    // A test class that training lacks: refused before anything is trained.
    let stray = data.join("Testing/Steppage/stray");
    std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
    let normal = data.join("Testing/Normal");
    let some = std::fs::read_dir(&normal)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::rename(&some, &stray).unwrap();
    let out = dir.path().join("model");
    let args = [
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--epochs",
        "1",
    ];
    refused(
        &run("train", &args),
        "Testing has the class Steppage, which Training lacks",
    );
    assert!(walk(&out).is_empty(), "nothing saved");
    // A group pattern that finds no subject in a recording's name.
    let cv = dir.path().join("cv");
    let args = [
        "--data",
        data.to_str().unwrap(),
        "--out",
        cv.to_str().unwrap(),
        "--group",
        "^(subject\\d+)_",
        "--epochs",
        "1",
    ];
    refused(&run("crossval", &args), "matches nothing in the recording");
    refused(
        &run("crossval", &["--data", data.to_str().unwrap(), "--group", "walk"]),
        "has no capture group",
    );
}

#[test]
fn crossval_leaves_one_subject_out_and_writes_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cohort = two_and_two(2, 4.0);
    gait::write_synthetic_dataset(&data, &cohort, 8).unwrap();
    let out = dir.path().join("cv");
    let output = run(
        "crossval",
        &[
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--leave-one-group-out",
            "--group",
            "^([a-z]+_s\\d+)_",
            "--seeds",
            "1",
            "--epochs",
            "1",
            "--ensemble",
            "1",
            "--features",
            "seed",
        ],
    );
    succeeded(&output);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("crossval.json")).unwrap()).unwrap();
    // Four subjects (two walks each): four folds, each holding out one subject's two walks.
    let cv = &report["crossval"];
    assert_eq!(cv["groups"].as_array().unwrap().len(), 4);
    let folds = cv["seeds"][0]["fold"].as_array().unwrap();
    let clips = folds.len();
    assert_eq!(cv["seeds"][0]["evaluation"]["n_test"], clips);
    assert!(report["summary"]["balanced_accuracy"]["median"].is_number());
    assert!(std::fs::metadata(out.join("crossval.png")).unwrap().len() > 1000);
}

#[test]
fn report_prints_the_gait_parameters_computed_directly_and_draws_a_page() {
    use gait::features::{BodyAxes, EventOptions, detect_events, gait_parameters};

    let dir = tempfile::tempdir().unwrap();
    let [_, model, walk] = tree_model_walk(dir.path(), true, 3).map(PathBuf::from);
    let page = dir.path().join("report.png");
    let output = run(
        "report",
        &[
            "--model",
            model.to_str().unwrap(),
            "--input",
            walk.to_str().unwrap(),
            "--out",
            page.to_str().unwrap(),
        ],
    );
    let printed = succeeded(&output);
    assert!(std::fs::metadata(&page).unwrap().len() > 10_000);
    let value = |name: &str| -> f64 {
        let line = printed
            .lines()
            .find(|l| l.starts_with(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in {printed}"));
        line[name.len() + 2..].split(' ').next().unwrap().parse().unwrap()
    };
    // The same parameters, computed directly.
    let landmarks = gait::io::read_landmarks(&walk).unwrap();
    let axes = BodyAxes::estimate(&landmarks).unwrap();
    let events = detect_events(&landmarks, &axes, &EventOptions::default()).unwrap();
    let p = gait_parameters(&landmarks, &axes, &events, 30.0);
    let close = |printed: f64, direct: f64| (printed - direct).abs() <= 5e-5 * direct.abs().max(1.0);
    assert!(close(value("cadence"), p.cadence), "{printed}");
    // The synthetic camera pans with the walker: no ground covered shows, no lengths, and why.
    assert!(p.stride_length[0] / p.leg_length < 0.1);
    assert!(printed.contains("stride length, left: not measured"), "{printed}");
    assert!(printed.contains("the camera follows the walker"), "{printed}");
    // Seen from the side (the synthetic camera's view), step width is not measured, and why.
    assert!(printed.contains("step width: not measured"), "{printed}");
    assert!(printed.contains("not measurable from a side view"), "{printed}");
    assert!(close(value("stance, right"), p.stance_percent[1]), "{printed}");
    assert!(close(value("stance symmetry"), p.stance_symmetry), "{printed}");
    assert!(printed.contains("verdict: ") && printed.contains("normal range: the synthetic normal cohort"));

    // One second of the walk: a partial page that says what it could not measure.
    let short = dir.path().join("short/1_landmarks.npy");
    gait::io::write_landmarks(&short, &landmarks.frames_in(0..30).unwrap()).unwrap();
    let output = run(
        "report",
        &[
            "--model",
            model.to_str().unwrap(),
            "--input",
            short.to_str().unwrap(),
            "--out",
            page.to_str().unwrap(),
            "--force",
        ],
    );
    let printed = succeeded(&output);
    assert!(printed.contains("cadence: not measured"), "{printed}");
    assert!(printed.contains("not measured: "), "{printed}");
}

#[test]
fn extract_never_writes_into_its_input_through_hard_links_or_links() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    gait::write_synthetic_dataset(&data, &two_and_two(1, 4.0), 6).unwrap();
    let before = walk(&data);
    // The output as `cp -al data out` makes it: every file a hard link to the input's.
    let out = dir.path().join("out");
    for (path, _) in &before {
        let target = out.join(path.strip_prefix(&data).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::hard_link(path, target).unwrap();
    }
    let args = [
        "--input",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
    ];
    succeeded(&run("extract", &args));
    assert_eq!(walk(&data), before, "the input is untouched");
    // A folder of the output that is a link into the input: refused there, the input untouched.
    let linked = dir.path().join("linked");
    std::fs::create_dir_all(&linked).unwrap();
    std::os::unix::fs::symlink(data.join("Training"), linked.join("Training")).unwrap();
    let args = [
        "--input",
        data.to_str().unwrap(),
        "--out",
        linked.to_str().unwrap(),
        "--force",
    ];
    let output = run("extract", &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is inside the input"), "{stderr}");
    assert_eq!(walk(&data), before, "the input is untouched");
}

#[test]
fn export_writes_only_inside_its_folder_and_replaces_nothing_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let array = gait::ndarray::Array2::<f64>::zeros((2, 3)).into_dyn();
    gait::io::write_npy(&rec.join("1_landmarks.npy"), &array).unwrap();
    let out = dir.path().join("deep/csv");
    let climbing = format!("{}/../rec/1_landmarks.npy", rec.display());
    succeeded(&run("export", &[&climbing, "--out", out.to_str().unwrap()]));
    let written: Vec<PathBuf> = walk(dir.path())
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    assert_eq!(written, [out.join("1_landmarks.csv")]);
    // Again: the CSV exists, and is replaced only with --force.
    let csv = out.join("1_landmarks.csv");
    std::fs::write(&csv, "mine").unwrap();
    refused(
        &run("export", &[&climbing, "--out", out.to_str().unwrap()]),
        "--force",
    );
    assert_eq!(std::fs::read(&csv).unwrap(), b"mine");
    succeeded(&run(
        "export",
        &[&climbing, "--out", out.to_str().unwrap(), "--force"],
    ));
    assert_ne!(std::fs::read(&csv).unwrap(), b"mine");
}

#[test]
fn train_and_crossval_replace_no_earlier_output_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    gait::write_synthetic_dataset(&data, &two_and_two(1, 4.0), 7).unwrap();
    for (program, file) in [("train", "config.json"), ("crossval", "crossval.json")] {
        let out = dir.path().join(program);
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(file), "an earlier run's").unwrap();
        let args = [
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--epochs",
            "1",
        ];
        refused(&run(program, &args), "--force");
        assert_eq!(std::fs::read(out.join(file)).unwrap(), b"an earlier run's");
    }
    // An output that cannot be made is the error, before the (empty) data is even read.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let file = dir.path().join("a_file");
    std::fs::write(&file, "").unwrap();
    for program in ["train", "crossval"] {
        let out = file.join(program);
        let args = ["--data", empty.to_str().unwrap(), "--out", out.to_str().unwrap()];
        let output = run(program, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(
            stderr.contains("a_file") && !stderr.contains("Training"),
            "{stderr}"
        );
    }
}

#[cfg(feature = "pose")]
#[test]
fn pose_refuses_an_output_in_its_input_and_two_videos_of_one_name() {
    let dir = tempfile::tempdir().unwrap();
    let videos = dir.path().join("videos");
    std::fs::create_dir_all(&videos).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/gait-pose/tests/fixtures/walker.mp4");
    std::fs::copy(&fixture, videos.join("1.mp4")).unwrap();
    let before = walk(&videos);
    // Into the input through `..` after a missing folder, and through a link.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&videos, &link).unwrap();
    for out in [dir.path().join("missing/../videos/y"), link.join("y")] {
        let args = [
            "--input",
            videos.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        refused(&run("pose", &args), "is inside the input");
        assert_eq!(walk(&videos), before, "nothing written into the input");
    }
    assert!(!dir.path().join("missing").exists());
    // `1.mp4` and `1.mkv` would both become `1_landmarks.npy`: refused before any work.
    std::fs::copy(&fixture, videos.join("1.mkv")).unwrap();
    let out = dir.path().join("out");
    let args = [
        "--input",
        videos.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    refused(&run("pose", &args), "would both be written");
    assert!(walk(&out).is_empty());
    // Pictures beside a video are said to be left unread.
    std::fs::remove_file(videos.join("1.mkv")).unwrap();
    std::fs::write(videos.join("frame_1.png"), "a picture").unwrap();
    let args = [
        "--input",
        videos.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--model",
        "lite",
    ];
    let output = run("pose", &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the 1 pictures in") && stderr.contains("are not read"),
        "{stderr}"
    );
}

#[cfg(feature = "pose")]
#[test]
fn pose_writes_every_person_as_a_recording_of_their_own_and_a_contact_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("videos/Normal/rec");
    std::fs::create_dir_all(&rec).unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/gait-pose/tests/fixtures/crossing.mp4");
    std::fs::copy(&fixture, rec.join("1.mp4")).unwrap();
    let (videos, out) = (dir.path().join("videos"), dir.path().join("out"));
    let args = [
        "--input",
        videos.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--person",
        "all",
        "--overlay",
    ];
    succeeded(&run("pose", &args));
    for k in [1, 2] {
        let written = out.join(format!("Normal/rec_person{k}"));
        assert!(written.join("1_landmarks.npy").exists());
        let info = gait::io::read_video_info(&written.join("1_video.json")).unwrap();
        assert_eq!(
            info.person.as_deref(),
            Some(format!("person {k} of 2: every person written").as_str())
        );
    }
    assert!(!out.join("Normal/rec/1_landmarks.npy").exists());
    // The contact sheet: six frames of 960 x 540 shrunk to 640 x 360, three a row, 4 px apart.
    let sheet = gait::pose::read_image(&out.join("Normal/rec/1_overlay.png"), 0).unwrap();
    assert_eq!((sheet.width(), sheet.height()), (3 * 644 + 4, 2 * 364 + 4));
    // Again: nothing replaced without --force.
    refused(&run("pose", &args), "exists");
    // A typo is refused with what to give.
    let mut bad = args;
    bad[5] = "everyone";
    refused(&run("pose", &bad), "give walker, largest, all or a number");
}

#[cfg(feature = "pose")]
#[test]
fn report_and_predict_take_a_video_and_say_whom_they_followed() {
    let dir = tempfile::tempdir().unwrap();
    let [_, model, _] = tree_model_walk(dir.path(), false, 5);
    let video = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/gait-pose/tests/fixtures/people.mp4");
    let video = video.to_str().unwrap();
    let page = dir.path().join("report.png");
    let args = [
        "--model",
        &model,
        "--input",
        video,
        "--fps",
        "12",
        "--out",
        page.to_str().unwrap(),
    ];
    let printed = succeeded(&run("report", &args));
    // The walker (person 2), not the one exercising who was seen first, and what else was seen.
    assert!(
        printed.starts_with(
            "From the video: person 2 of 2: walked 1.6 body heights in 48 frames, feet passing 8 times; \
             nobody in 0 of 60 frames; 1 other people not followed\n"
        ),
        "{printed}"
    );
    assert!(printed.contains("verdict: "), "{printed}");
    assert!(std::fs::metadata(&page).unwrap().len() > 10_000);
    let output = run("predict", &["--model", &model, "--fps", "12", video]);
    let line = succeeded(&output);
    assert!(line.starts_with(&format!("{video}\t")), "{line}");
    assert_eq!(line.lines().count(), 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("people.mp4: person 2 of 2: walked "), "{stderr}");
}

/// Runs program `name` with `args` in `dir` under a file-size limit of 16 blocks (8 KiB in dash,
/// 16 in bash): every program's larger files exceed it.
fn run_under_size_limit(dir: &Path, name: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .current_dir(dir)
        .args(["-c", "ulimit -f 16; exec \"$0\" \"$@\""])
        .arg(example(name))
        .args(args)
        .output()
        .unwrap()
}

#[cfg(feature = "pose")]
#[test]
fn pose_checks_its_output_first_writes_whole_files_and_is_strict_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/gait-pose/tests/fixtures/walker.mp4");
    let video = fixture.to_str().unwrap();
    // An output that cannot be made is the error, before the (missing) models are even looked at.
    let file = dir.path().join("a_file");
    std::fs::write(&file, "").unwrap();
    let blocked = file.join("out");
    let args = [
        "--input",
        video,
        "--out",
        blocked.to_str().unwrap(),
        "--models",
        "/nonexistent",
    ];
    let output = run("pose", &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("a_file") && !stderr.contains("nonexistent"),
        "{stderr}"
    );
    // Under a file-size limit: a failure, and no file cut short under its name.
    let args = [
        "--input",
        video,
        "--out",
        "limited",
        "--model",
        "lite",
        "--overlay",
    ];
    let output = run_under_size_limit(dir.path(), "pose", &args);
    assert!(
        !output.status.success(),
        "pose wrote more than 8 KiB under the limit"
    );
    all_whole(&dir.path().join("limited"));
    // Standard output full: pose prints there nothing, and succeeds.
    let out = dir.path().join("full");
    let args = [
        "--input",
        video,
        "--out",
        out.to_str().unwrap(),
        "--model",
        "lite",
    ];
    let output = run_into_full_disk("pose", &args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.join("walker_landmarks.npy").exists());
    // A video cut short: a warning, or with --strict an error and nothing written.
    let front = dir.path().join("front.mp4");
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-i",
            video,
            "-c",
            "copy",
            "-movflags",
            "+faststart",
        ])
        .arg(&front)
        .status()
        .unwrap();
    assert!(made.success());
    let bytes = std::fs::read(&front).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let (lenient, strict) = (dir.path().join("lenient"), dir.path().join("strict"));
    let args = |out: &Path| -> Vec<String> {
        [
            "--input",
            cut.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--model",
            "lite",
        ]
        .map(String::from)
        .to_vec()
    };
    let output = Command::new(example("pose"))
        .args(args(&lenient))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: the video is cut or damaged: "),
        "{stderr}"
    );
    assert!(lenient.join("cut_landmarks.npy").exists());
    let output = Command::new(example("pose"))
        .args(args(&strict))
        .arg("--strict")
        .output()
        .unwrap();
    refused(&output, "--strict: nothing written");
    assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
    assert!(walk(&strict).is_empty());
}

#[test]
fn report_fails_when_it_has_no_verdict_or_a_normal_range_of_nothing() {
    use gait::features::FeatureSet;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    gait::write_synthetic_dataset(&data, &two_and_two(2, 6.0), 8).unwrap();
    let model = dir.path().join("model");
    save_tiny_model(&data, FeatureSet::Default, &model);
    // A walk that does not move: no body axes, so no features and no verdict.
    let still = dir.path().join("still/1_landmarks.npy");
    let frames = gait::ndarray::Array3::<f32>::from_elem((60, 33, 3), 0.5);
    let landmarks = gait::io::Landmarks::new(gait::io::Layout::MediaPipe33, frames).unwrap();
    gait::io::write_landmarks(&still, &landmarks).unwrap();
    let page = dir.path().join("report.png");
    let (model, page) = (model.to_str().unwrap(), page.to_str().unwrap());
    refused(
        &run(
            "report",
            &[
                "--model",
                model,
                "--input",
                still.to_str().unwrap(),
                "--out",
                page,
            ],
        ),
        "no verdict",
    );
    // Two-stride clips measure no gait parameter: a normal range of them is refused.
    let walk = first_test_walk(&data);
    let args = [
        "--model",
        model,
        "--input",
        walk.to_str().unwrap(),
        "--out",
        page,
        "--normal",
        data.to_str().unwrap(),
    ];
    refused(
        &run("report", &args),
        "is not empty: choose another output, or --force",
    );
    let args: Vec<&str> = args.iter().copied().chain(["--force"]).collect();
    refused(&run("report", &args), "long enough to measure");
    // The page may not be the input.
    let args = [
        "--model",
        model,
        "--input",
        walk.to_str().unwrap(),
        "--out",
        walk.to_str().unwrap(),
        "--force",
    ];
    refused(&run("report", &args), "is the input");
}

/// Runs program `name` with `args`, its standard output sent to `/dev/full`.
fn run_into_full_disk(name: &str, args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    Command::new(example(name))
        .args(args)
        .stdout(full)
        .output()
        .unwrap()
}

#[test]
fn every_program_says_when_its_output_cannot_be_written_and_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let [data, model, walk] = tree_model_walk(dir.path(), true, 9);
    // The programs that print their results: a full standard output is one line and a failure.
    let (train, cv, page) = (path("train"), path("cv"), path("page.png"));
    for (name, args) in [
        ("predict", vec!["--model", &model, &walk]),
        (
            "report",
            vec!["--model", &model, "--input", &walk, "--out", &page],
        ),
        (
            "train",
            vec![
                "--data",
                &data,
                "--out",
                &train,
                "--epochs",
                "1",
                "--ensemble",
                "1",
            ],
        ),
        (
            "crossval",
            vec![
                "--data",
                &data,
                "--out",
                &cv,
                "--epochs",
                "1",
                "--seeds",
                "1",
                "--ensemble",
                "1",
                "--folds",
                "2",
            ],
        ),
        ("export", vec![&walk]),
    ] {
        let output = run_into_full_disk(name, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && output.status.code() != Some(101),
            "{name}: {stderr}"
        );
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!("{name}: ")) && last.contains("No space left on device"),
            "{name}: {stderr}"
        );
    }
    // The page and the model were still written whole before the printout failed.
    assert!(std::fs::metadata(&page).unwrap().len() > 10_000);
    assert!(Path::new(&train).join("model.safetensors").exists());
    // The programs that print nothing on standard output succeed.
    let (synth, extract) = (path("synth"), path("extract"));
    for (name, args) in [
        ("synth", ["--out", &synth, "--normal", "2", "--abnormal", "2"]),
        ("extract", ["--input", &data, "--out", &extract, "--fps", "30"]),
    ] {
        let output = run_into_full_disk(name, &args);
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn numbers_out_of_range_are_refused_with_their_range() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    for seconds in ["0.01", "2", "100000", "NaN"] {
        refused(
            &run("synth", &["--out", out, "--seconds", seconds]),
            "choose 4 to 3600",
        );
    }
    assert!(!Path::new(out).exists(), "nothing created");
    for fps in ["0.01", "1e9", "1e6"] {
        let args = ["--model", out, "--input", out, "--fps", fps];
        refused(&run("report", &args), "--fps must be 1 to 1000 frames per second");
    }
}

/// Requires every file under `dir` not hidden (temporary files are) to be whole: `.npy` files
/// read, JSON parses, PNG pictures end with their last chunk, safetensors hold what their
/// header says.
fn all_whole(dir: &Path) {
    for (path, bytes) in walk(dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let whole = match path.extension().and_then(|e| e.to_str()) {
            Some("npy") if name.ends_with("_angles.npy") => gait::io::read_angles(&path).is_ok(),
            Some("npy") => gait::io::read_npy(&path).is_ok(),
            Some("json") => serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
            Some("png") => bytes.len() > 12 && bytes[bytes.len() - 8..bytes.len() - 4] == *b"IEND",
            Some("csv") => bytes.ends_with(b"\n"),
            Some("safetensors") => {
                let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
                let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
                let end = header
                    .as_object()
                    .unwrap()
                    .values()
                    .filter_map(|t| t["data_offsets"][1].as_u64())
                    .max()
                    .unwrap();
                bytes.len() == 8 + n + end as usize
            }
            _ => panic!("an unexpected file {}", path.display()),
        };
        assert!(whole, "{} is cut short", path.display());
    }
}

#[test]
fn under_a_file_size_limit_no_file_is_left_cut_short_under_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let [data, model, walk] = tree_model_walk(dir.path(), false, 10);
    let report = path("report");
    let page = format!("{report}/page.png");
    std::fs::create_dir(&report).unwrap();
    let runs: [(&str, Vec<&str>, String); 6] = [
        (
            "crossval",
            vec![
                "--data",
                &data,
                "--out",
                "cv",
                "--epochs",
                "1",
                "--seeds",
                "1",
                "--ensemble",
                "1",
                "--folds",
                "2",
            ],
            path("cv"),
        ),
        (
            "synth",
            vec!["--out", "synth", "--normal", "2", "--abnormal", "2"],
            path("synth"),
        ),
        (
            "extract",
            vec!["--input", &data, "--out", "extract"],
            path("extract"),
        ),
        (
            "train",
            vec![
                "--data",
                &data,
                "--out",
                "train",
                "--epochs",
                "1",
                "--ensemble",
                "1",
            ],
            path("train"),
        ),
        (
            "report",
            vec!["--model", &model, "--input", &walk, "--out", &page],
            report.clone(),
        ),
        ("export", vec![&walk, "--out", "export"], path("export")),
    ];
    for (name, args, out) in runs {
        let output = run_under_size_limit(dir.path(), name, &args);
        assert!(
            !output.status.success(),
            "{name} wrote more than 8 KiB under the limit"
        );
        if Path::new(&out).exists() {
            all_whole(Path::new(&out));
        }
    }
}

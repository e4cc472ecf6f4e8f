//! The rules a training program applies to a tree's splits: which classes training and testing
//! must share, and how recordings group into subjects.

use gait_io::{Class, FeatureSequence};
use gait_lstm::{Error, Example, check_classes, subjects};
use ndarray::Array2;

fn example(class: &str, recording: &str) -> Example {
    Example {
        sequence: FeatureSequence::new(vec!["x".into()], Array2::zeros((3, 1))).unwrap(),
        class: Class::new(class),
        recording: format!("{class}/{recording}"),
    }
}

#[test]
fn a_class_only_the_test_has_is_refused_and_thin_classes_are_noted() {
    let train = [
        example("Normal", "s1_a"),
        example("Normal", "s2_a"),
        example("Antalgic", "s3_a"),
        example("Antalgic", "s3_a"),
        example("Ataxic", "s4_a"),
        example("Ataxic", "s5_a"),
    ];
    let test = [example("Normal", "s6_a"), example("Antalgic", "s7_a")];
    let notes = check_classes(&train, &test).unwrap();
    assert_eq!(
        notes,
        [
            "Antalgic has one training recording: none of it is held out for validation, so early stopping does not watch it",
            "Testing has no Ataxic clips: the model learns the class, the test metrics cannot measure it",
        ]
    );
    let stray = [example("Steppage", "s8_a")];
    match check_classes(&train, &stray) {
        Err(Error::Input(message)) => assert!(
            message.contains("Testing has the class Steppage, which Training lacks"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn subjects_are_recordings_or_what_the_pattern_captures() {
    let examples = [
        example("Normal", "s01_walk1"),
        example("Normal", "s01_walk2"),
        example("Abnormal", "s02_walk1"),
    ];
    assert_eq!(
        subjects(&examples, None).unwrap(),
        ["s01_walk1", "s01_walk2", "s02_walk1"]
    );
    assert_eq!(
        subjects(&examples, Some(r"^(s\d+)_")).unwrap(),
        ["s01", "s01", "s02"]
    );
    for (pattern, says) in [
        (r"^s\d+_", "no capture group"),
        (r"^(x\d+)_", "matches nothing in the recording \"s01_walk1\""),
        ("(", "the subject pattern"),
    ] {
        match subjects(&examples, Some(pattern)) {
            Err(Error::Input(message)) => assert!(message.contains(says), "{pattern}: {message}"),
            other => panic!("{pattern}: {other:?}"),
        }
    }
}

use super::values::{AgentStatus, ChatStatus, Name, Provider, long_text};

#[test]
fn names_are_one_trimmed_line_of_at_most_200_characters() {
    assert_eq!(Name::parse("  Inbox ", "title").unwrap().as_str(), "Inbox");
    assert!(Name::parse("", "title").is_err());
    assert!(Name::parse("   ", "title").is_err());
    assert!(Name::parse("two\nlines", "title").is_err());
    assert!(Name::parse(&"é".repeat(200), "title").is_ok());
    let err = Name::parse(&"é".repeat(201), "title").unwrap_err();
    assert_eq!(err.field, "title");
}

#[test]
fn long_text_keeps_line_breaks_and_refuses_other_control_characters() {
    assert_eq!(
        long_text(" a\nb\tc ", "message", 10, true)
            .unwrap()
            .as_deref(),
        Some("a\nb\tc")
    );
    assert_eq!(long_text("  ", "description", 10, false).unwrap(), None);
    assert!(long_text("  ", "message", 10, true).is_err());
    assert!(long_text("bell\u{7}", "message", 10, true).is_err());
    assert!(long_text(&"x".repeat(11), "message", 10, true).is_err());
}

#[test]
fn states_and_providers_round_trip_their_names_and_refuse_others() {
    for s in AgentStatus::ALL {
        assert_eq!(AgentStatus::parse(s.as_str()).unwrap(), *s);
    }
    for s in ChatStatus::ALL {
        assert_eq!(ChatStatus::parse(s.as_str()).unwrap(), *s);
    }
    for p in Provider::ALL {
        assert_eq!(Provider::parse(p.as_str()).unwrap(), *p);
    }
    let err = AgentStatus::parse("Active").unwrap_err();
    assert_eq!(err.field, "status");
    assert!(err.message.contains("active, inactive, processing"));
    assert!(Provider::parse("gpt").is_err());
}

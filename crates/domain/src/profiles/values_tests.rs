use super::*;

#[test]
fn country_codes_are_assigned_alpha_2_codes_in_either_case() {
    assert_eq!(CountryCode::parse("de", "country").unwrap().as_str(), "DE");
    assert_eq!(
        CountryCode::parse(" GB ", "country").unwrap().as_str(),
        "GB"
    );
    for bad in ["", "D", "DEU", "XX", "UK", "1A"] {
        assert!(CountryCode::parse(bad, "country").is_err(), "{bad}");
    }
    assert!(
        COUNTRIES.windows(2).all(|w| w[0] < w[1]),
        "sorted for binary search"
    );
}

#[test]
fn each_contact_type_checks_its_own_value() {
    let ok = |t: ContactType, v: &str| t.validate(v).unwrap();
    let bad = |t: ContactType, v: &str| assert!(t.validate(v).is_err(), "{t:?} {v}");
    assert_eq!(
        ok(ContactType::Phone, " +49 (30) 123-456 "),
        "+49 (30) 123-456"
    );
    bad(ContactType::Phone, "12");
    bad(ContactType::Phone, "call me");
    bad(ContactType::Phone, "49+123456");
    bad(ContactType::Phone, "1234567890123456");
    assert_eq!(ok(ContactType::Email, "Ada@Example.com"), "ada@example.com");
    bad(ContactType::Email, "ada@");
    assert_eq!(
        ok(ContactType::Website, "https://ada.dev/"),
        "https://ada.dev/"
    );
    bad(ContactType::Website, "ftp://ada.dev");
    assert!(
        ContactType::Linkedin
            .validate("https://www.linkedin.com/in/ada")
            .is_ok()
    );
    bad(ContactType::Linkedin, "https://www.linkedin.com");
    bad(
        ContactType::Linkedin,
        "https://evil.com/linkedin.com/in/ada",
    );
    bad(ContactType::Linkedin, "https://notlinkedin.com/in/ada");
    assert_eq!(ok(ContactType::Other, " Signal: ada "), "Signal: ada");
    bad(ContactType::Other, " ");
    bad(ContactType::Other, &"x".repeat(201));
}

#[test]
fn contact_types_and_genders_round_trip_their_wire_names() {
    for (t, name) in ContactType::ALL {
        assert_eq!(ContactType::parse(name).unwrap(), t);
        assert_eq!(t.as_str(), name);
    }
    for (g, name) in Gender::ALL {
        assert_eq!(Gender::parse(name).unwrap(), g);
        assert_eq!(g.as_str(), name);
    }
    assert!(ContactType::parse("fax").is_err());
    assert!(Gender::parse("Female").is_err());
}

#[test]
fn names_are_trimmed_and_bounded() {
    assert_eq!(
        PersonName::parse("  Ada ", "first_name").unwrap().as_str(),
        "Ada"
    );
    assert!(PersonName::parse("", "first_name").is_err());
    assert!(PersonName::parse(&"a".repeat(101), "last_name").is_err());
    assert_eq!(
        PersonName::parse("a\u{7}", "last_name").unwrap_err().field,
        "last_name"
    );
}

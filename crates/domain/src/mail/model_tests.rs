use super::model::{Account, AccountMail, Letter, Recipient};
use crate::identity::{TokenPurpose, UserId};

#[test]
fn a_letter_round_trips_through_its_queued_json() {
    let user = UserId::generate();
    let letter = Letter::new(
        Recipient::User(user),
        "order_status",
        serde_json::json!({"status": "shipped"}),
    );
    let json = serde_json::to_string(&letter).unwrap();
    assert!(json.contains("\"user\""), "{json}");
    assert_eq!(serde_json::from_str::<Letter>(&json).unwrap(), letter);
}

#[test]
fn an_account_mail_carries_no_token_and_round_trips() {
    let mail = AccountMail {
        purpose: TokenPurpose::EmailChange,
        account: Account::User(UserId::generate()),
        new_email: Some("new@example.com".into()),
    };
    let json = serde_json::to_string(&mail).unwrap();
    assert!(json.contains("\"email_change\""), "{json}");
    assert_eq!(serde_json::from_str::<AccountMail>(&json).unwrap(), mail);
}

#[test]
fn purposes_have_the_documented_lifetimes_and_names() {
    use chrono::Duration;
    assert_eq!(TokenPurpose::VerifyEmail.lifetime(), Duration::hours(24));
    assert_eq!(TokenPurpose::PasswordReset.lifetime(), Duration::hours(1));
    assert_eq!(TokenPurpose::MagicLink.lifetime(), Duration::minutes(15));
    assert_eq!(TokenPurpose::EmailChange.lifetime(), Duration::hours(24));
    for p in TokenPurpose::ALL {
        assert_eq!(TokenPurpose::parse(p.as_str()), Some(p));
    }
    assert_eq!(TokenPurpose::parse("other"), None);
}

#[test]
fn an_anonymous_request_names_the_address_only() {
    let mail = AccountMail {
        purpose: TokenPurpose::PasswordReset,
        account: Account::Address("ada@example.com".into()),
        new_email: None,
    };
    let json = serde_json::to_string(&mail).unwrap();
    assert!(json.contains("\"address\":\"ada@example.com\""), "{json}");
    assert_eq!(serde_json::from_str::<AccountMail>(&json).unwrap(), mail);
}

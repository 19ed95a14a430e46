//! [`MailRenderer`] on minijinja: every mail kind is a text and an HTML
//! template (`templates/mail/<kind>.{txt,html}`, each extending the shared
//! `layout.txt` / `layout.html`), compiled into the binary so a deployment
//! needs no template directory. The subject is the text template's
//! `subject` block.

use keel_domain::mail::{Mail, MailError, MailRenderer};
use minijinja::{Environment, Value, context};

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(
            (concat!($name, ".txt"), include_str!(concat!("../../templates/mail/", $name, ".txt"))),
            (concat!($name, ".html"), include_str!(concat!("../../templates/mail/", $name, ".html"))),
        )*]
    };
}

/// Every template file, by name.
const TEMPLATES: &[(&str, &str)] = templates![
    "layout",
    "verify_email",
    "password_reset",
    "magic_link",
    "email_change",
    "email_change_notice",
    "order_confirmation",
    "order_status",
];

/// Renders the mail templates.
pub struct TemplateRenderer {
    env: Environment<'static>,
    product: String,
}

impl TemplateRenderer {
    /// The renderer; `product` names the sender in the layout's footer.
    ///
    /// # Panics
    /// Never for the templates shipped (a unit test compiles each).
    pub fn new(product: &str) -> Self {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("mail template {name}: {e}"));
        }
        Self {
            env,
            product: product.to_owned(),
        }
    }

    /// The kinds of mail there are templates for.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        TEMPLATES
            .iter()
            .filter_map(|(name, _)| name.strip_suffix(".txt"))
            .filter(|name| *name != "layout")
    }
}

impl std::fmt::Debug for TemplateRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateRenderer").finish_non_exhaustive()
    }
}

fn permanent(kind: &str, e: &minijinja::Error) -> MailError {
    MailError::Permanent(format!("mail template {kind}: {e}"))
}

impl MailRenderer for TemplateRenderer {
    fn render(
        &self,
        template: &str,
        to: &str,
        vars: &serde_json::Value,
    ) -> Result<Mail, MailError> {
        let ctx = context! { product => &self.product, ..Value::from_serialize(vars) };
        let text_name = format!("{template}.txt");
        let text = self
            .env
            .get_template(&text_name)
            .map_err(|e| permanent(template, &e))?;
        let mut captured = text
            .render_captured(&ctx)
            .map_err(|e| permanent(template, &e))?;
        let subject = captured
            .with_state_mut(|state| state.render_block("subject"))
            .map_err(|e| permanent(template, &e))?;
        let text = captured.into_output();
        let html = self
            .env
            .get_template(&format!("{template}.html"))
            .and_then(|t| t.render(&ctx))
            .map_err(|e| permanent(template, &e))?;
        Ok(Mail {
            to: to.to_owned(),
            subject: subject.trim().to_owned(),
            text,
            html,
            headers: vec![("X-Keel-Template".into(), template.to_owned())],
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vars() -> serde_json::Value {
        json!({
            "name": "Ada <admin>",
            "email": "ada@example.com",
            "new_email": "new@example.com",
            "link": "http://127.0.0.1:8080/verify-email?token=abc&x=1",
            "token": "abc",
            "expires_minutes": 1440,
            "order_id": "0192",
            "status": "shipped",
            "total": "12.50 EUR",
            "lines": [{"name": "Widget", "quantity": 2, "line_total": "12.50 EUR"}],
        })
    }

    #[test]
    fn every_kind_renders_a_subject_a_text_and_an_html_part() {
        let r = TemplateRenderer::new("Keel");
        for kind in TemplateRenderer::kinds() {
            let mail = r.render(kind, "ada@example.com", &vars()).unwrap();
            assert!(!mail.subject.is_empty(), "{kind}");
            assert!(!mail.subject.contains('\n'), "{kind}");
            assert!(mail.text.contains("Keel"), "{kind}: layout footer");
            assert!(mail.html.contains("</html>"), "{kind}");
        }
    }

    #[test]
    fn token_mails_carry_the_link_in_both_parts_and_html_is_escaped() {
        let r = TemplateRenderer::new("Keel");
        let mail = r
            .render("verify_email", "ada@example.com", &vars())
            .unwrap();
        assert_eq!(mail.subject, "Confirm your email address");
        assert!(mail.text.contains("token=abc&x=1"), "{}", mail.text);
        assert!(
            mail.text.contains("\nabc\n"),
            "the bare token: {}",
            mail.text
        );
        assert!(mail.text.contains("24 hours"), "{}", mail.text);
        assert!(mail.html.contains("token=abc&amp;x=1"), "{}", mail.html);
        assert!(mail.html.contains("Ada &lt;admin&gt;"), "{}", mail.html);
        let order = r.render("order_confirmation", "a@b.c", &vars()).unwrap();
        assert_eq!(order.subject, "Order 0192 received");
        assert!(
            order.text.contains("2 x Widget: 12.50 EUR"),
            "{}",
            order.text
        );
    }

    #[test]
    fn an_unknown_kind_is_a_permanent_error() {
        let r = TemplateRenderer::new("Keel");
        assert!(matches!(
            r.render("nope", "a@b.c", &vars()),
            Err(MailError::Permanent(_))
        ));
    }
}

//! Webhooks: Clerk's Svix-signed deliveries and the job that applies them.

use std::sync::Arc;

use keel_application::identity::ExternalUserService;
use keel_application::webhooks::{CLERK_WEBHOOK_JOB, ClerkWebhookJob, WebhookService};
use keel_domain::webhooks::{WebhookEventRepo, WebhookPayloadReader};
use keel_infrastructure::clerk::ClerkPayloads;
use keel_infrastructure::persistence::SeaOrmWebhookEventRepo;
use keel_infrastructure::webhooks::SvixVerifier;
use secrecy::ExposeSecret;

use crate::wiring::Wiring;

/// Wires webhooks; needs identity's `Arc<ExternalUserService>`.
pub fn wire(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let external_users = w.require::<Arc<ExternalUserService>>()?;
    let events: Arc<dyn WebhookEventRepo> = Arc::new(SeaOrmWebhookEventRepo::new(w.db.clone()));
    let payloads: Arc<dyn WebhookPayloadReader> = Arc::new(ClerkPayloads);
    w.run_jobs(
        CLERK_WEBHOOK_JOB,
        Arc::new(ClerkWebhookJob::new(
            events.clone(),
            payloads.clone(),
            external_users,
            w.clock.clone(),
        )),
    );
    let service = match &w.settings.clerk.webhook_secret {
        Some(secret) => {
            let verifier = SvixVerifier::new(secret.expose_secret())
                .map_err(|e| anyhow::anyhow!("APP__CLERK__WEBHOOK_SECRET: {e}"))?;
            Some(Arc::new(WebhookService::new(
                Arc::new(verifier),
                payloads,
                events,
                w.clock.clone(),
            )))
        }
        None => None,
    };
    w.serve(keel_http::webhooks::context(service));
    Ok(())
}

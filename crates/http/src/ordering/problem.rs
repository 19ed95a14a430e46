//! How the ordering context's own error cases answer: an unfulfillable
//! checkout is a 409 whose problem document names the products.

use actix_web::http::StatusCode;
use keel_application::ordering::OrderingCase;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, ProblemCase, ProblemField};

/// A product a checkout could not take.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductShortage {
    /// The product.
    pub product_id: uuid::Uuid,
    /// `out_of_stock` or `unavailable` (missing, inactive or deleted).
    pub reason: &'static str,
}

/// The 409 of `POST /orders`: a problem document with a `products` extension.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnfulfillableProblem {
    /// Problem type URI.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: String,
    /// `Conflict`.
    pub title: String,
    /// 409.
    pub status: u16,
    /// What went wrong, for humans.
    pub detail: String,
    /// Never present on this problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemField>>,
    /// The products that could not be ordered, in cart order.
    pub products: Vec<ProductShortage>,
}

impl ProblemCase for OrderingCase {
    fn into_api_error(self) -> ApiError {
        match self {
            Self::Unfulfillable {
                out_of_stock,
                unavailable,
            } => {
                let shortage = |reason| {
                    move |p: keel_domain::catalog::ProductId| ProductShortage {
                        product_id: p.as_uuid(),
                        reason,
                    }
                };
                let products: Vec<ProductShortage> = out_of_stock
                    .into_iter()
                    .map(shortage("out_of_stock"))
                    .chain(unavailable.into_iter().map(shortage("unavailable")))
                    .collect();
                ApiError::with_extension(
                    StatusCode::CONFLICT,
                    "some products are short of stock or no longer sold; nothing was ordered",
                    "products",
                    serde_json::to_value(products).unwrap_or_default(),
                )
            }
        }
    }
}

//! Security headers on every response (pages, errors, assets, downloads): a Content Security
//! Policy that runs only the site's own scripts and styles (no inline script, no inline style,
//! nothing from elsewhere), no framing by any site, no referrer beyond this site, and no
//! content-type sniffing. Templates keep scripts in `templates/assets/*.js` and use no
//! `style=` attributes or inline event handlers (`onclick=`…), or the browser refuses them.

use actix_web::middleware::DefaultHeaders;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// The headers, added to every response that does not set its own.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Content-Type-Options", "nosniff"))
}

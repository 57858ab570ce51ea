//! Helpers of the differential test.

pub(crate) mod known;
pub(crate) mod roas;
pub(crate) mod sent;

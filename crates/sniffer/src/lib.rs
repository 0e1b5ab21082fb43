pub mod capture;
pub mod decode;
pub mod error;
pub mod flow;
pub mod link;
pub mod tcp;

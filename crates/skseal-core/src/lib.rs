//! skseal-core: everything that touches file bytes, with no Python.
//!
//! Data flow: [`vm`] (pickle stream -> [`ir::Graph`]) -> [`policy`] (which names,
//! in which roles) -> [`validate`] (structure of trusted types) -> [`container`]
//! (the `.skseal` file: header JSON via [`graphjson`], arrays via [`codec`]).

pub mod boosters;
pub mod codec;
pub mod container;
pub mod convert;
pub mod error;
pub mod filecontainer;
pub mod graphjson;
pub mod inspect;
pub mod ir;
pub mod keys;
pub mod layout;
pub mod legacy;
pub mod metadata;
pub mod pack;
pub mod policy;
pub mod resources;
pub mod sniff;
pub mod validate;
pub mod versions;
pub mod vm;

pub use error::{
    Blob, ContainerError, CoreError, Damage, EncodeError, HeaderJsonError, PickleError,
    SignatureError, SizeOverflow, UntrustedError, ValidationError,
};

//! The static library `libtinyscore_c.a`: every exported function of
//! tinyscore-c (`capi/src`, header `capi/include/tinyscore.h`), linked and
//! optimised as one unit. Nothing else lives here.
#![no_std]

use api as _;

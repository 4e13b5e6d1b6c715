//! CatBoost's CBM blob (`_serialize_model()`): the framing is checked here.
//! (To be written.)

//! A bounded UBJSON reader (the subset XGBoost writes). (To be written.)

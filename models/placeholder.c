typedef int cs_placeholder_models_;

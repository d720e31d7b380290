/* placeholder: being written */
typedef int cs_placeholder_config_;

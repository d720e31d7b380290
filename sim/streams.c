/* placeholder: being written */
typedef int cs_placeholder_streams_;

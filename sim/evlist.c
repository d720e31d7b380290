/* placeholder: being written */
typedef int cs_placeholder_evlist_;

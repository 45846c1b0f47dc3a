// Declarations only (see include/LibFuzzerAPI.h); SwiftPM needs one source file per C target.
#include "LibFuzzerAPI.h"

#include "OpKernelTestSupport.h"

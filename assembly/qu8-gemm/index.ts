// The qu8-gemm family's front door (kernels are added as they land).

// The qu8-spmm family's front door (kernels are added as they land).

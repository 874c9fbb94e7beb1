// The qu8-misc family's front door (kernels are added as they land).

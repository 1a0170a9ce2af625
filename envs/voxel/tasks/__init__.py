"""MineDojo's task suite on the voxel world: task specs, the id registry, success and reward rules."""

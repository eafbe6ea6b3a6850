// What LocalTier.md's example takes for granted: nothing but its imports.
import DogpileCache
import DogpileMemcached

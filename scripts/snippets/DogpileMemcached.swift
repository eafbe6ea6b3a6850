// What DogpileMemcached.md's example takes for granted: nothing but its imports.
import DogpileMemcached

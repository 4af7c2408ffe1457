"""Reading model code: an abstract interpreter of forward() over shapes."""

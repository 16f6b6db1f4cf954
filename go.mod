module github.com/groupd/groupd

go 1.26

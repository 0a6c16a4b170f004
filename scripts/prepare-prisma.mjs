console.log("prepare-prisma placeholder during bootstrap")
